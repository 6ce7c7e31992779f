package sqlcipher

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
)

// Copy is a decrypted working copy of an encrypted database (and its WAL)
// in the parser's work folder, ready for artefacts/sqlitedb.
type Copy struct {
	Input   *artefacts.Input // the plaintext database; Ref and SHA256 are the evidence file's
	Cipher  *Cipher
	DB      Report
	WAL     *WALReport // nil when there was no WAL beside the database
	WALPath string     // the evidence WAL's path ("" when none)
	WALSHA  string     // SHA-256 of the evidence WAL
	dir     string
	file    *os.File
}

// Close removes the plaintext files.
func (c *Copy) Close() error {
	if c.file != nil {
		_ = c.file.Close()
	}
	return os.RemoveAll(c.dir)
}

// Decrypt verifies key on in, then writes the plaintext of in (and of its
// -wal sibling read through in.FS, unless the entry is deleted) into a new
// folder under in.WorkDir. The returned Input has the evidence's Ref and
// SHA256 and an FS holding only the plaintext pair, so sqlitedb applies the
// decrypted WAL. Problems with the WAL are passed to warn and the database
// is still returned. Errors: ErrWrongKey, ErrTooLarge, ErrTooSmall, I/O.
func Decrypt(ctx context.Context, in *artefacts.Input, key Key, opt Options, warn func(string)) (*Copy, error) {
	if in.WorkDir == "" {
		return nil, errors.New("sqlcipher: no work folder to write the plaintext copy to")
	}
	c, err := Open(ctx, in.Reader, in.Size, key, opt)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(in.WorkDir, "sqlcipher-")
	if err != nil {
		return nil, fmt.Errorf("sqlcipher: work folder: %w", err)
	}
	cp := &Copy{Cipher: c, dir: dir}
	ok := false
	defer func() {
		if !ok {
			_ = cp.Close()
		}
	}()
	const name = "db.sqlite"
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("sqlcipher: plaintext copy: %w", err)
	}
	cp.DB, err = c.DecryptDB(ctx, in.Reader, in.Size, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("sqlcipher: plaintext copy: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	cp.decryptWAL(ctx, in, opt, filepath.Join(dir, name+"-wal"), warn)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pf, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("sqlcipher: reopen plaintext copy: %w", err)
	}
	cp.file = pf
	size := cp.DB.Pages * int64(c.Params.PageSize)
	head := make([]byte, min(size, artefacts.HeadSize))
	if _, err := io.ReadFull(pf, head); err != nil {
		return nil, fmt.Errorf("sqlcipher: read plaintext head: %w", err)
	}
	cp.Input = &artefacts.Input{Ref: in.Ref, Path: "/" + name, Size: size, Head: head,
		Reader: pf, SHA256: in.SHA256, FS: os.DirFS(dir), WorkDir: in.WorkDir}
	ok = true
	return cp, nil
}

func (cp *Copy) decryptWAL(ctx context.Context, in *artefacts.Input, opt Options, dst string, warn func(string)) {
	if in.FS == nil || in.Deleted || in.Path == "" {
		return
	}
	p := strings.TrimPrefix(in.Path, "/") + "-wal"
	st, err := fs.Stat(in.FS, p)
	if err != nil || st.IsDir() {
		return
	}
	base := path.Base(p)
	if st.Size() > opt.maxSize() {
		warn(fmt.Sprintf("%s is %d bytes, over the %d decryption limit: read without its WAL", base, st.Size(), opt.maxSize()))
		return
	}
	data, err := fs.ReadFile(in.FS, p)
	if err != nil {
		warn(fmt.Sprintf("%s: %v: read without its WAL", base, err))
		return
	}
	if int64(len(data)) > opt.maxSize() {
		warn(fmt.Sprintf("%s grew over the decryption limit while read: read without its WAL", base))
		return
	}
	sum := sha256.Sum256(data)
	cp.WALPath, cp.WALSHA = in.Path+"-wal", hex.EncodeToString(sum[:])
	if len(data) <= walHeaderSize {
		return // no frames
	}
	f, err := os.Create(dst)
	if err != nil {
		warn(fmt.Sprintf("%s: plaintext copy: %v: read without its WAL", base, err))
		return
	}
	rep, err := cp.Cipher.DecryptWAL(ctx, bytes.NewReader(data), int64(len(data)), f)
	cerr := f.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst)
		warn(fmt.Sprintf("%s: %v: read without its WAL", base, err))
		return
	}
	cp.WAL = &rep
	if rep.BadFrame {
		warn(fmt.Sprintf("%s: %v: frame at offset %d: %s; %d frames before it used", base, ErrCorruptPage, rep.StoppedAt, rep.Reason, rep.Frames))
	}
}

// CorruptPageWarnings words one warning per damaged page, naming the page
// and its offset, for the caller's sink.
func (cp *Copy) CorruptPageWarnings(file string) []string {
	var out []string
	for _, pg := range cp.DB.BadPages {
		out = append(out, fmt.Sprintf("%s: %v: page %d at offset %d written as zeros (the key is right: page 1 verified)",
			file, ErrCorruptPage, pg, cp.Cipher.BadPageOffset(pg)))
	}
	if cp.DB.Tail != 0 {
		out = append(out, fmt.Sprintf("%s: %d bytes after the last whole %d-byte page ignored (truncated file)", file, cp.DB.Tail, cp.Cipher.Params.PageSize))
	}
	return out
}
