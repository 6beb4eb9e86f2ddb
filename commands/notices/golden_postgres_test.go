package notices

import (
	"testing"

	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
)

// TestGoldenOnPostgres runs every golden transcript of notices again on
// PostgreSQL (each harness on a schema of the test database): the same
// words, to the letter, from the other backend.
func TestGoldenOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	t.Setenv(bottest.EnvBackend, "postgres")
	for name, golden := range map[string]func(*testing.T){
		"notices":       TestGolden,
		"approval":      TestGoldenApproval,
		"emergency":     TestGoldenEmergency,
		"senders":       TestGoldenSenders,
		"periods":       TestGoldenPeriods,
		"polls":         TestGoldenPolls,
		"consultations": TestGoldenConsultations,
	} {
		t.Run(name, golden)
	}
}
