package trail

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// The log files delivered since a region's last digest wait in tableFiles, one key per file, so that a
// delivery adds one small key instead of rewriting a growing list.

// filesPrefix is the prefix of a trail's waiting files in region ("" for every region).
func filesPrefix(trailKey, region string) string {
	if region == "" {
		return trailKey + "\x00"
	}
	return trailKey + "\x00" + region + "\x00"
}

func fileKey(trailKey, region string, seq uint64) string {
	return filesPrefix(trailKey, region) + string(binary.BigEndian.AppendUint64(nil, seq))
}

// putPending records a delivered file for the region's next digest; seq is the last record the file's
// batch read, which orders the files.
func putPending(tx meta.Tx, trailKey, region string, seq uint64, f *LogFile) error {
	return putJSON(tx, tableFiles, fileKey(trailKey, region, seq), f)
}

// pendingFiles returns the files waiting for a region's digest, in delivery order, and their keys.
func pendingFiles(tx meta.Tx, trailKey, region string) ([]string, []LogFile, error) {
	var keys []string
	var files []LogFile
	var derr error
	err := tx.Scan(tableFiles, meta.Range{Prefix: filesPrefix(trailKey, region)}, func(k string, v []byte) bool {
		var f LogFile
		if derr = json.Unmarshal(v, &f); derr != nil {
			derr = fmt.Errorf("decode waiting log file %q: %w", k, derr)
			return false
		}
		keys, files = append(keys, k), append(files, f)
		return true
	})
	return keys, files, errors.Join(err, derr)
}

// deletePending forgets a trail's waiting files in region ("" for every region).
func deletePending(tx meta.Tx, trailKey, region string) error {
	var keys []string
	err := tx.Scan(tableFiles, meta.Range{Prefix: filesPrefix(trailKey, region)}, func(k string, _ []byte) bool {
		keys = append(keys, k)
		return true
	})
	if err != nil {
		return err
	}
	return deleteKeys(tx, keys)
}

func deleteKeys(tx meta.Tx, keys []string) error {
	for _, k := range keys {
		if err := tx.Delete(tableFiles, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
	}
	return nil
}
