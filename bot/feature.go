package bot

import (
	"context"
	"time"
)

// DataProvider lets a feature show and erase what it holds about a person,
// for the personal-data commands.
type DataProvider interface {
	// DataName names the feature ("Lending").
	DataName() string
	// DescribePerson lists, in plain sentences, what is held about person.
	DescribePerson(ctx context.Context, person int64) ([]string, error)
	// ForgetPerson deletes or anonymises it and says what was done.
	ForgetPerson(ctx context.Context, person int64) (string, error)
}

// PersonMerger is implemented by data providers that refer to people other
// than through a foreign key to people(id) (an id inside a text key such as
// "person:12"). When two records turn out to be one person, the store moves
// every foreign key itself and calls MergePerson, in the same transaction,
// for the rest.
type PersonMerger interface {
	MergePerson(ctx context.Context, tx Tx, from, into int64) error
}

// RecordPurger is implemented by data providers that keep closed records
// (returned loans, finished power checks, resolved reports). The retention
// job calls it so nothing closed is kept longer than the configured period.
type RecordPurger interface {
	// PurgeClosed deletes records closed before the cutoff and returns how
	// many rows went.
	PurgeClosed(ctx context.Context, before time.Time) (int64, error)
}

// Feature describes a feature family a group can switch on and off.
type Feature struct {
	Name        string
	Description string
}
