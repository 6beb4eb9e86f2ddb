package main

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"neighbourbot/bot/sqlite"
)

// keptDir is a directory of files the bot keeps beside its database, each
// named by its content's hash, and where the database names them.
type keptDir struct {
	name string
	refs []fileRef
}

// fileRef is a column holding names of files in a kept directory.
type fileRef struct{ table, column string }

// keptDirs are every directory of files the bot keeps. A feature that
// keeps files adds its directory here, so backup and restore keep them.
var keptDirs = []keptDir{
	{name: "photos", refs: []fileRef{{"pothole_photos", "file"}, {"pothole_held_attempts", "photo_file"}}},
	{name: "inbox", refs: []fileRef{{"inbox_messages", "media_file"}}},
}

// openReadOnly opens a database file for reading only.
func openReadOnly(path string) (*sql.DB, error) {
	return sql.Open("sqlite3", "file:"+path+"?mode=ro")
}

// tableRows counts the rows of every table of the database at path.
func tableRows(ctx context.Context, path string) (map[string]int, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tables, err := tableNames(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]int{}
	for _, table := range tables {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: count %s: %w", path, table, err)
		}
		out[table] = n
	}
	return out, nil
}

// tableNames lists the tables of a SQLite file (backups are of SQLite
// data directories; a hub is backed up with pg_dump).
func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	return sqlite.FileTables(ctx, db)
}

// listedFiles is the names of the files each kept directory must hold
// for the database at path: those its rows refer to.
func listedFiles(ctx context.Context, path string) (map[string][]string, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tables, err := tableNames(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	has := map[string]bool{}
	for _, t := range tables {
		has[t] = true
	}
	out := map[string][]string{}
	for _, d := range keptDirs {
		seen := map[string]bool{}
		for _, ref := range d.refs {
			if !has[ref.table] {
				continue // a database from before the feature
			}
			rows, err := db.QueryContext(ctx, `SELECT DISTINCT "`+ref.column+`" FROM "`+ref.table+`" WHERE "`+ref.column+`" <> ''`)
			if err != nil {
				return nil, fmt.Errorf("%s: list %s files: %w", path, d.name, err)
			}
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					rows.Close()
					return nil, err
				}
				seen[name] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
		for name := range seen {
			out[d.name] = append(out[d.name], name)
		}
		sort.Strings(out[d.name])
	}
	return out, nil
}

// fileSchemaVersions reads the schema versions of the database at path.
func fileSchemaVersions(ctx context.Context, path string) (map[string]int, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return sqlite.SchemaVersions(ctx, db)
}
