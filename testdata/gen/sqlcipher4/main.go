// Command sqlcipher4 writes a SQLCipher 4 database (the format Signal and
// Session Desktop use) from SQL scripts, with the real SQLCipher library
// (github.com/mutecomm/go-sqlcipher/v4, SQLCipher 4.4.2). It is a separate
// module because that library's SQLite symbols clash with mattn/go-sqlite3
// in the main one.
//
//	sqlcipher4 -out DB -key KEY -sql SCRIPT [-wal SCRIPT2] [-query SQL]
//
// KEY is passed to PRAGMA key as is (x'<64 hex>' for a raw key, or a
// passphrase). With -wal the database is put in WAL mode, checkpoints are
// turned off, SCRIPT2 runs after SCRIPT, and DB and DB-wal are copied out
// while the connection is still open, so the copy keeps an un-checkpointed
// WAL as a running client leaves it. -query prints each row of one query
// as a JSON array (strings as hex) after reopening the written copy with
// the key: what SQLCipher itself reads back, for the fixture manifest.
package main

import (
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	_ "github.com/mutecomm/go-sqlcipher/v4"
)

func main() {
	out := flag.String("out", "", "database to write")
	key := flag.String("key", "", "PRAGMA key value")
	script := flag.String("sql", "", "SQL script")
	walScript := flag.String("wal", "", "SQL script left in the WAL")
	query := flag.String("query", "", "query to print as JSON rows")
	flag.Parse()
	if err := run(*out, *key, *script, *walScript, *query); err != nil {
		fmt.Fprintln(os.Stderr, "sqlcipher4:", err)
		os.Exit(1)
	}
}

func dsn(path, key string) string {
	return "file:" + path + "?_pragma_key=" + url.QueryEscape(key) + "&_pragma_cipher_page_size=4096"
}

func run(out, key, script, walScript, query string) error {
	if out == "" || key == "" {
		return fmt.Errorf("-out and -key are required")
	}
	if script != "" {
		if err := write(out, key, script, walScript); err != nil {
			return err
		}
	}
	if query != "" {
		return dump(out, key, query)
	}
	return nil
}

func write(out, key, script, walScript string) error {
	tmp, err := os.MkdirTemp("", "sqlcipher4-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "db.sqlite")
	db, err := sql.Open("sqlite3", dsn(path, key))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if walScript != "" {
		if _, err := db.Exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"); err != nil {
			return fmt.Errorf("wal mode: %w", err)
		}
	}
	if err := execFile(db, script); err != nil {
		return err
	}
	if walScript != "" {
		// Everything so far goes into the main file; the second script stays in the WAL.
		if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if err := execFile(db, walScript); err != nil {
			return err
		}
		if err := copyFile(path+"-wal", out+"-wal"); err != nil {
			return err
		}
	}
	return copyFile(path, out)
}

func execFile(db *sql.DB, name string) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := db.Exec(string(b)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

// dump reads a copy: opening the fixture itself would checkpoint and
// remove its WAL.
func dump(orig, key, query string) error {
	tmp, err := os.MkdirTemp("", "sqlcipher4-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "db.sqlite")
	if err := copyFile(orig, path); err != nil {
		return err
	}
	if _, err := os.Stat(orig + "-wal"); err == nil {
		if err := copyFile(orig+"-wal", path+"-wal"); err != nil {
			return err
		}
	}
	db, err := sql.Open("sqlite3", dsn(path, key))
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var all [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				vals[i] = hex.EncodeToString(x)
			case string:
				vals[i] = hex.EncodeToString([]byte(x))
			}
		}
		all = append(all, vals)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(all)
}
