package exchange

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// Pack writes a batch's files as one ZIP archive (for HTTP and mail): the
// manifest first, then the signature, then the data files in manifest
// order, all stored with one fixed time so the same batch packs to the
// same bytes.
func Pack(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	rank := func(n string) int {
		switch n {
		case ManifestName:
			return 0
		case SignatureName:
			return 1
		}
		return 2
	}
	sort.Slice(names, func(i, j int) bool {
		if rank(names[i]) != rank(names[j]) {
			return rank(names[i]) < rank(names[j])
		}
		return names[i] < names[j]
	})
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: packTime})
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// packTime is the time written into every archive entry (the format needs
// one; the batch's own time is in its manifest).
var packTime = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxArchiveBytes bounds the uncompressed size of an archive's files.
const MaxArchiveBytes = 512 << 20

// archiveLimit and fileLimit are the limits Unpack applies (the fuzz test
// lowers them so that a mutated size field costs little).
var (
	archiveLimit int64 = MaxArchiveBytes
	fileLimit    int64 = MaxFileBytes
)

// Unpack reads a ZIP archive into files by name. It refuses directories,
// nested paths, duplicate names, too many files and files that inflate
// beyond the limits; it does not judge the content (Open does).
func Unpack(data []byte) (map[string][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refuse("archive_invalid", "", "not a ZIP archive: %v", err)
	}
	if len(zr.File) > MaxFiles {
		return nil, refuse("archive_invalid", "", "%d entries; a batch has at most %d files", len(zr.File), MaxFiles)
	}
	files := make(map[string][]byte, len(zr.File))
	total := int64(0)
	for _, zf := range zr.File {
		if err := checkName(zf.Name); err != nil {
			return nil, refuse("archive_invalid", clip(zf.Name), "%v", err)
		}
		if _, dup := files[zf.Name]; dup {
			return nil, refuse("archive_invalid", zf.Name, "the name appears twice")
		}
		limit := fileLimit
		if rest := archiveLimit - total; rest < limit {
			limit = rest
		}
		if zf.UncompressedSize64 > uint64(limit) {
			return nil, refuse("archive_invalid", zf.Name, "declares %d bytes; larger than the limit", zf.UncompressedSize64)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, refuse("archive_invalid", zf.Name, "%v", err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, limit+1))
		rc.Close()
		if err != nil {
			return nil, refuse("archive_invalid", zf.Name, "%v", err)
		}
		if int64(len(b)) > limit {
			return nil, refuse("archive_invalid", zf.Name, "larger than the limit")
		}
		total += int64(len(b))
		files[zf.Name] = b
	}
	return files, nil
}

// checkName allows plain file names only: no directories, no "..".
func checkName(n string) error {
	if n == "" || len(n) > 100 || strings.ContainsAny(n, "/\\:") || n != path.Clean(n) || strings.HasPrefix(n, ".") || checkValue(Text, n) != "" {
		return fmt.Errorf("file name %q is not a plain name", clip(n))
	}
	return nil
}
