package web_test

import (
	"testing"

	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
)

// TestPagesOnPostgres runs the page tests again with the bot's database on
// PostgreSQL (each harness on a schema of the test database): every page
// reads and writes the features' stores, so this is their SQL on the other
// backend, seen from the staff's side.
func TestPagesOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	t.Setenv(bottest.EnvBackend, "postgres")
	for name, test := range map[string]func(*testing.T){
		"SignInWithWhatsApp":                TestSignInWithWhatsApp,
		"SessionsEnd":                       TestSessionsEnd,
		"FaultsListFiltersAndPages":         TestFaultsListFiltersAndPages,
		"FaultPageShowsPhotosHistory":       TestFaultPageShowsPhotosHistoryAndCouncil,
		"FaultStateFromThePage":             TestFaultStateFromThePage,
		"FaultsCSV":                         TestFaultsCSV,
		"InboxListAndTicket":                TestInboxListAndTicket,
		"InboxActionsAndBadInput":           TestInboxActionsAndBadInput,
		"InboxTwoStaffAtOnce":               TestInboxTwoStaffAtOnce,
		"InboxSavedReplies":                 TestInboxSavedReplies,
		"ApprovalsShowEverythingAndApprove": TestApprovalsShowEverythingAndApprove,
		"TwoApproversAtOnce":                TestTwoApproversAtOnce,
		"ComposePreviewAndSubmit":           TestComposePreviewAndSubmit,
		"NoticePageDeliveryAndCorrection":   TestNoticePageDeliveryAndCorrection,
		"AuditSearchCSVAndPages":            TestAuditSearchCSVAndPages,
		"GroupsShowLanguage":                TestGroupsShowLanguage,
		"PollCreatedApprovedAndCounted":     TestPollCreatedApprovedAndCounted,
		"ConsultationOnThePage":             TestConsultationOnThePage,
	} {
		t.Run(name, test)
	}
}
