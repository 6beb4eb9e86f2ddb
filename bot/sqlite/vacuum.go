package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// useIncrementalVacuum turns on incremental auto-vacuum, so pages freed by
// purges can be handed back to the file system (Compact) instead of the
// file keeping its largest size for ever. A database made before this is
// converted once, with a full VACUUM (which needs about its size in free
// disk space and a moment per hundred megabytes); a new one costs nothing.
func useIncrementalVacuum(ctx context.Context, db *sql.DB) error {
	var mode int
	if err := db.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return fmt.Errorf("read auto_vacuum: %w", err)
	}
	const incremental = 2
	if mode == incremental {
		return nil
	}
	// The setting and the VACUUM that applies it must share a connection.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("auto_vacuum: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return fmt.Errorf("set auto_vacuum: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("vacuum to apply auto_vacuum: %w", err)
	}
	return nil
}

// SpaceStats are the database's pages and how many of them are free.
type SpaceStats struct {
	PageSize  int64
	Pages     int64
	FreePages int64
}

// Space reads the page counts (SQLite's file; an error on PostgreSQL,
// whose space is the server's).
func (s *Store) Space(ctx context.Context) (SpaceStats, error) {
	var st SpaceStats
	if s.backend == Postgres {
		return st, fmt.Errorf("page counts are SQLite's: PostgreSQL's space is the server's (pg_database_size)")
	}
	for _, q := range []struct {
		pragma string
		into   *int64
	}{{"page_size", &st.PageSize}, {"page_count", &st.Pages}, {"freelist_count", &st.FreePages}} {
		if err := s.db.QueryRowContext(ctx, `PRAGMA `+q.pragma).Scan(q.into); err != nil {
			return st, fmt.Errorf("read %s: %w", q.pragma, err)
		}
	}
	return st, nil
}

// Compact hands free pages back to the file system once at least
// minFreePages are free (incremental vacuum), and checkpoints the WAL into
// the main file and truncates it, so the files on disk shrink after a big
// purge. It returns the bytes freed. It takes the write lock briefly, like
// any write; the bot runs it after the nightly purges.
//
// On PostgreSQL it does nothing: the server's autovacuum reuses and hands
// back the space of deleted rows itself.
func (s *Store) Compact(ctx context.Context, minFreePages int64) (int64, error) {
	if s.backend == Postgres {
		return 0, nil
	}
	before, err := s.Space(ctx)
	if err != nil {
		return 0, err
	}
	if before.FreePages == 0 || before.FreePages < minFreePages {
		return 0, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("compact: %w", err)
	}
	defer conn.Close()
	// The pragma frees one page per step: read it to the end.
	rows, err := conn.QueryContext(ctx, `PRAGMA incremental_vacuum`)
	if err != nil {
		return 0, fmt.Errorf("incremental vacuum: %w", err)
	}
	for rows.Next() {
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("incremental vacuum: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	after, err := s.Space(ctx)
	if err != nil {
		return 0, err
	}
	return (before.Pages - after.Pages) * before.PageSize, nil
}
