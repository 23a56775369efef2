package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/seclake/seclake/internal/seal"
)

// DataFormat is the layout version of the data directory this binary writes and reads.
const DataFormat = 1

// Files in the data directory.
const (
	formatFile      = "seclake-format.json"
	rootKeyFile     = "root.key"
	credentialsFile = "credentials"
	metaFile        = "meta.db"
	blobDir         = "blobs"
)

type formatMarker struct {
	Format int    `json:"format"`
	Note   string `json:"note"`
}

// prepareDataDir checks the data directory, creating it on first start. It reports whether the directory is
// new (nothing in it was written by seclake yet).
func prepareDataDir(dir string) (fresh bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("cannot create data directory %s: %w; pass --data with a directory you can write", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("cannot read data directory %s: %w; check its owner and permissions, or pass --data", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, formatFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if len(entries) > 0 {
			return false, fmt.Errorf("%s is not empty and is not a seclake data directory (it has no %s); pass --data with an empty or new directory", dir, formatFile)
		}
		m, _ := json.Marshal(formatMarker{Format: DataFormat, Note: "seclake data directory; do not edit"})
		if err := writeFileSync(filepath.Join(dir, formatFile), m, 0o600); err != nil {
			return false, fmt.Errorf("initialize data directory %s: %w", dir, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("cannot read %s: %w; check the data directory's permissions", filepath.Join(dir, formatFile), err)
	}
	var m formatMarker
	if err := json.Unmarshal(b, &m); err != nil || m.Format < 1 {
		return false, fmt.Errorf("%s is damaged (%s is not a seclake format marker); restore the data directory from a backup", dir, formatFile)
	}
	if m.Format > DataFormat {
		return false, fmt.Errorf("data directory %s has format %d, written by a newer seclake; this binary reads format %d: upgrade seclake, or pass --data with another directory", dir, m.Format, DataFormat)
	}
	return false, nil
}

// loadRootKey returns the root key: from SECLAKE_ROOT_KEY when given, else from the data directory, creating it
// there on first start. A data directory in use whose key file is gone is refused: its secrets cannot be read.
func loadRootKey(dir, fromEnv string, fresh bool, rand io.Reader) (*seal.Key, bool, error) {
	if fromEnv != "" {
		k, err := seal.Parse(fromEnv, rand)
		if err != nil {
			return nil, false, fmt.Errorf("SECLAKE_ROOT_KEY: %w", err)
		}
		return k, false, nil
	}
	path := filepath.Join(dir, rootKeyFile)
	k, err := seal.Load(path, rand)
	switch {
	case err == nil:
		return k, false, nil
	case !errors.Is(err, seal.ErrNoKey):
		return nil, false, err
	case !fresh:
		return nil, false, fmt.Errorf("the root key %s is missing, so the secrets and key material in this data directory cannot be read; restore root.key from your backup (or set SECLAKE_ROOT_KEY), or start over with a new --data directory", path)
	}
	k, err = seal.Generate(rand)
	if err != nil {
		return nil, false, err
	}
	if err := k.Save(path); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

func writeFileSync(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeCredentials writes the root access key to the data directory's credentials file, in the aws CLI's
// format under profile "seclake", unless the file exists.
func writeCredentials(dir, keyID, secret string) (string, error) {
	path := filepath.Join(dir, credentialsFile)
	content := fmt.Sprintf("[seclake]\naws_access_key_id = %s\naws_secret_access_key = %s\n", keyID, secret)
	if err := writeFileSync(path, []byte(content), 0o600); err != nil {
		return "", fmt.Errorf("write credentials file: %w", err)
	}
	return path, nil
}
