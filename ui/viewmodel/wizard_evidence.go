package viewmodel

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/loupe-forensics/loupe/imaging"
)

// imageSet adapts opened imaging.Images to what the evidence view needs.
// Several images verify as one pass (progress over their total size);
// record receives the combined outcome.
type imageSet struct {
	imgs   []imaging.Image
	record func(Outcome)
}

// OpenImages is an Opener over imaging.Open: each path is one image (its
// other segments are found from the first).
func OpenImages(ctx context.Context, paths []string) (Evidence, error) {
	var imgs []imaging.Image
	for _, p := range paths {
		img, err := imaging.Open(ctx, p)
		if err != nil {
			for _, o := range imgs {
				_ = o.Close()
			}
			return nil, err
		}
		imgs = append(imgs, img)
	}
	return &imageSet{imgs: imgs}, nil
}

func (s *imageSet) Close() error {
	var first error
	for _, img := range s.imgs {
		if err := img.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *imageSet) Describe() []Field {
	var f []Field
	for i, img := range s.imgs {
		pre := ""
		if len(s.imgs) > 1 {
			pre = fmt.Sprintf("Image %d: ", i+1)
		}
		f = append(f,
			Field{pre + "Format", strings.ToUpper(img.Format())},
			Field{pre + "Media size", fmt.Sprintf("%s (%d bytes, %d-byte sectors)", humanize.IBytes(uint64(max(img.Size(), 0))), img.Size(), img.SectorSize())},
			Field{pre + "Files", strings.Join(baseNames(img.Segments()), "\n")})
		m := img.Metadata()
		for _, kv := range [][2]string{{"Case number", m.CaseNumber}, {"Evidence number", m.EvidenceNumber}, {"Examiner (acquisition)", m.Examiner},
			{"Description", m.Description}, {"Notes", m.Notes}, {"Acquisition software", m.AcquisitionSoftware}} {
			if kv[1] != "" {
				f = append(f, Field{pre + kv[0], kv[1]})
			}
		}
		if m.Acquired != nil {
			f = append(f, Field{pre + "Acquired", m.Acquired.UTC().Format(time.RFC3339)})
		}
		st := img.Stored()
		if st.MD5 != "" {
			f = append(f, Field{pre + "Stored MD5", st.MD5})
		}
		if st.SHA1 != "" {
			f = append(f, Field{pre + "Stored SHA-1", st.SHA1})
		}
		if len(m.AcquisitionErrors) > 0 {
			f = append(f, Field{pre + "Acquisition read errors", fmt.Sprint(m.AcquisitionErrors)})
		}
	}
	return f
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// Verify hashes every image in turn. The combined outcome matches only if
// every image stores hashes and all match; any mismatch is a mismatch.
func (s *imageSet) Verify(ctx context.Context, progress func(Progress)) (Outcome, error) {
	var total, before int64
	for _, img := range s.imgs {
		total += img.Size()
	}
	var out Outcome
	var md5s, sha1s, sha256s []string
	allStored, anyMismatch := true, false
	for _, img := range s.imgs {
		res, err := imaging.Verify(ctx, img, func(p imaging.Progress) {
			if progress != nil {
				progress(Progress{Done: before + p.Done, Total: total, Rate: p.Rate, ETA: p.ETA})
			}
		})
		if err != nil {
			return Outcome{}, fmt.Errorf("%s: %w", filepath.Base(img.Segments()[0]), err)
		}
		before += img.Size()
		md5s, sha1s, sha256s = append(md5s, res.Computed.MD5), append(sha1s, res.Computed.SHA1), append(sha256s, res.Computed.SHA256)
		switch {
		case res.StoredMatch == nil:
			allStored = false
		case !*res.StoredMatch:
			anyMismatch = true
		}
		for _, ce := range res.Errors {
			out.Errors = append(out.Errors, ce.Error())
		}
	}
	out.MD5, out.SHA1, out.SHA256 = strings.Join(md5s, " "), strings.Join(sha1s, " "), strings.Join(sha256s, " ")
	switch {
	case anyMismatch:
		f := false
		out.StoredMatch = &f
	case allStored && len(s.imgs) > 0:
		t := true
		out.StoredMatch = &t
	}
	if s.record != nil {
		s.record(out)
	}
	return out, nil
}
