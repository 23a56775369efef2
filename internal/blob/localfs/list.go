package localfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/seclake/seclake/internal/blob"
)

// errStop ends a walk when fn returns false.
var errStop = errors.New("stop")

// List implements blob.Store. Keys come in bytewise order, which is not the order of sorted directory
// entries: the keys under directory "a" ("a/…") sort after the blob "a-b" because '-' < '/'.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) bool) error {
	dirPart, filter := "", prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirPart, filter = prefix[:i], prefix[i+1:]
		// No key lives below a directory part that is not itself a valid key; such a prefix matches nothing
		// (and must not walk outside the store, as "../x" would).
		if blob.ValidKey(dirPart) != nil {
			return nil
		}
		dirPart += "/"
	}
	err := s.walk(ctx, filepath.Join(s.data, filepath.FromSlash(dirPart)), dirPart, filter, fn)
	if err != nil && !errors.Is(err, errStop) {
		return fmt.Errorf("list %q: %w", prefix, err)
	}
	return nil
}

// entry is a directory entry with the key order it stands for: a blob "x" sorts as "x", the directory "x"
// as "x/", the common prefix of all the keys below it.
type entry struct {
	sortKey string
	name    string
	seg     string
	dir     bool
}

// walk calls fn for the blobs below dir, whose keys start with keyPrefix, in key order; only entries whose
// key segment starts with filter count.
func (s *Store) walk(ctx context.Context, dir, keyPrefix, filter string, fn func(blob.Info) bool) error {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENAMETOOLONG) {
		return nil // pruned by a concurrent Delete, or no such prefix
	}
	if err != nil {
		return err
	}
	var es []entry
	for _, de := range des {
		name := de.Name()
		e := entry{name: name, seg: name, dir: de.IsDir()}
		if e.dir {
			e.sortKey = name + "/"
		} else if seg, ok := strings.CutSuffix(name, fileSuffix); ok {
			e.seg, e.sortKey = seg, seg
		} else {
			continue // not a blob
		}
		if strings.HasPrefix(e.seg, filter) {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].sortKey < es[j].sortKey })
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(dir, e.name)
		if e.dir {
			if err := s.walk(ctx, p, keyPrefix+e.seg+"/", "", fn); err != nil {
				return err
			}
			continue
		}
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted since ReadDir
		}
		if err != nil {
			return err
		}
		if !fn(info(keyPrefix+e.seg, fi)) {
			return errStop
		}
	}
	return nil
}
