package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// FormatFolder is the SourceInfo.Format of a folder of loose files.
const FormatFolder = "folder"

// opened is an evidence source ready to examine.
type opened struct {
	info   SourceInfo
	img    imaging.Image // nil for a folder
	folder string        // absolute, symlinks resolved; "" for an image
	root   *os.Root      // confines every open to the folder
}

func (o *opened) close() {
	if o.img != nil {
		_ = o.img.Close()
	}
	if o.root != nil {
		_ = o.root.Close()
	}
}

func (s *Scanner) open(ctx context.Context, sp SourceSpec) (*opened, error) {
	if sp.Folder != "" {
		return openFolder(ctx, sp.Folder)
	}
	if len(sp.Paths) == 0 {
		return nil, fmt.Errorf("%w: empty source", ErrSource)
	}
	img, err := s.cfg.Open.Image(ctx, sp.Paths...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrSource, sp, err)
	}
	segs := make([]string, 0, len(img.Segments()))
	for _, p := range img.Segments() {
		segs = append(segs, filepath.Base(p))
	}
	return &opened{img: img, info: SourceInfo{
		Ref: img.Ref(), Format: img.Format(), Segments: segs, Size: img.Size(),
		SectorSize: img.SectorSize(), Stored: img.Stored(), Metadata: img.Metadata(),
	}}, nil
}

// openFolder opens a folder of loose files as logical evidence. A first
// pass over the metadata gives its size; contents are read later, O_RDONLY.
func openFolder(ctx context.Context, dir string) (*opened, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrSource, dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrSource, dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s: not a folder", ErrSource, dir)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrSource, dir, err)
	}
	var total int64
	_ = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return nil
	})
	return &opened{folder: abs, root: root, info: SourceInfo{
		Ref: source.Folder(filepath.Base(abs)), Format: FormatFolder, Size: total, SectorSize: 0,
	}}, nil
}

// examineFolder walks a folder source. Its verification is a digest over
// the sorted manifest of every file's SHA-256, size and path, so that the
// logical evidence as examined can be re-checked later file by file.
func (s *Scanner) examineFolder(ctx context.Context, st Store, sink *countingSink, o *opened, id int64, workRoot string, c *counters, res *SourceResult) error {
	c.label.Store(o.info.Ref.String())
	t0 := time.Now()
	var mu sync.Mutex
	var manifest []manifestLine
	fsys := o.root.FS()
	err := s.runPool(ctx, sink, workRoot, c, func(submit func(job) error) error {
		return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// An unreadable sub-folder is recorded and skipped.
				_ = sink.Warn(ctx, finding.Warning{Parser: ParserName, Source: o.info.Ref.Entry("/"+p, ""), Message: "read folder: " + err.Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil // folders are walked; links, devices and pipes hold no content of their own
			}
			fi, err := d.Info()
			if err != nil {
				_ = sink.Warn(ctx, finding.Warning{Parser: ParserName, Source: o.info.Ref.Entry("/"+p, ""), Message: "stat: " + err.Error()})
				return nil
			}
			id := ""
			if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
				id = strconv.FormatUint(sys.Ino, 10)
			}
			rel := p
			return submit(job{
				ref: o.info.Ref.Entry("/"+rel, id), path: "/" + rel, size: -1, fsys: fsys,
				open: func(context.Context) (readerAtCloser, error) { return openReadOnly(o.root, rel) },
				done: func(sha string, size int64) {
					mu.Lock()
					manifest = append(manifest, manifestLine{path: "/" + rel, size: size, sha256: sha})
					mu.Unlock()
				},
			})
		})
	})
	if err != nil {
		return err
	}
	sortManifest(manifest)
	h := sha256.New()
	for _, m := range manifest {
		fmt.Fprintf(h, "%s  %d  %s\n", m.sha256, m.size, m.path)
	}
	v := Verification{
		Computed: imaging.Digests{SHA256: hex.EncodeToString(h.Sum(nil))},
		Result:   NoReference,
		Detail:   fmt.Sprintf("folder: sha256 over the sorted manifest lines \"<sha256>  <size>  <path>\\n\" of %d files", len(manifest)),
		Duration: time.Since(t0),
	}
	res.Verification, res.Computed = v.Result, v.Computed
	if err := st.AddVerification(ctx, id, v); err != nil {
		return fmt.Errorf("scan: record verification of %s: %w", o.info.Ref, err)
	}
	return nil
}

// openReadOnly opens a file of a folder source for reading only, without
// updating its access time where the kernel allows that (O_NOATIME needs
// the file's owner or CAP_FOWNER), and refuses anything but a regular file.
func openReadOnly(root *os.Root, rel string) (*os.File, error) {
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NOATIME, 0)
	if errors.Is(err, fs.ErrPermission) {
		f, err = root.OpenFile(rel, os.O_RDONLY, 0)
	}
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path.Clean(rel))
	}
	return f, nil
}

// HashImage computes MD5, SHA-1 and SHA-256 of a whole image in one pass,
// the same pass `loupe-cli image verify` makes (imaging.Verify: the three
// hashes in parallel). Unreadable chunks (imaging.ChunkError) are hashed as
// zeros, as ewfverify and ewfexport do, and listed in detail.
func HashImage(ctx context.Context, img imaging.Image) (imaging.Digests, string, error) {
	res, err := imaging.Verify(ctx, img, nil)
	if err != nil {
		return imaging.Digests{}, "", err
	}
	if len(res.Errors) == 0 {
		return res.Computed, "", nil
	}
	msgs := make([]string, len(res.Errors))
	for i, e := range res.Errors {
		msgs[i] = e.Error()
	}
	return res.Computed, fmt.Sprintf("%d unreadable region(s) hashed as zeros: %s", len(msgs), strings.Join(msgs, "; ")), nil
}
