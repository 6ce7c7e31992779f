package record

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockWriter takes a non-blocking exclusive flock(2) on the record file so
// that only one process writes a record at a time. The kernel drops the lock
// when the process dies (kill -9 included), which is what lets Open tell a
// run left "running" by a dead process from one still being written.
//
// flock locks are independent of the POSIX fcntl locks SQLite uses on Linux,
// but closing any descriptor of the file drops every POSIX lock the process
// holds on it, so this descriptor stays open until after the database is
// closed (closeDB).
func lockWriter(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("record: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrBusy, path)
		}
		return nil, fmt.Errorf("record: lock %s: %w", path, err)
	}
	return f, nil
}

// closeDB closes the database, then releases the writer lock.
func (r *Record) closeDB() error {
	var err error
	if r.db != nil {
		err = r.db.Close()
	}
	if r.lock != nil {
		r.lock.Close()
		r.lock = nil
	}
	return err
}

// writerActive reports whether another open file description holds the
// writer lock on path, i.e. a live process (or this one, through another
// Record) is writing the record. Errors count as "no writer".
//
// Like any open and close of the record file, this probe must not run in a
// process that holds the record open for writing through SQLite: closing the
// descriptor would drop that connection's POSIX locks. Within such a
// process, read through the writing Record instead of OpenReadOnly.
func writerActive(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
