// Package seal holds seclake's root key and protects secrets at rest with it.
//
// The root key is 32 random bytes kept outside the metadata store: in a file created on first start with mode
// 0600 (embedded mode), or given to every node in the environment (distributed mode). Everything secret that
// seclake stores — access key secrets, KMS key material, chain keys — is sealed with AES-256-GCM under a key
// derived from it, with associated data that binds each sealed value to where it belongs.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// KeySize is the size of the root key in bytes.
const KeySize = 32

const (
	fileHeader = "seclake-root-key-v1"
	version1   = 1
	nonceSize  = 12
)

// Errors returned by the package.
var (
	// ErrOpen is returned when a sealed value cannot be opened: wrong key, wrong associated data, or tampering.
	ErrOpen = errors.New("seal: cannot open sealed value")
	// ErrNoKey is returned by Load when the key file does not exist.
	ErrNoKey = errors.New("seal: root key file not found")
)

// Key is the root key. It is safe for concurrent use.
type Key struct {
	aead  cipher.AEAD
	root  []byte
	rand  io.Reader
	check []byte
}

// New returns a Key for the given 32 raw bytes, drawing nonces from rand.
func New(raw []byte, rand io.Reader) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("seal: root key must be %d bytes, got %d", KeySize, len(raw))
	}
	root := bytes.Clone(raw)
	sealKey, err := hkdf.Key(sha256.New, root, nil, "seclake seal v1", 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive sealing key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	k := &Key{aead: aead, root: root, rand: rand}
	k.check = k.mac("seclake root key check", nil)
	return k, nil
}

// Generate returns a new random root key.
func Generate(rand io.Reader) (*Key, error) {
	raw := make([]byte, KeySize)
	if _, err := io.ReadFull(rand, raw); err != nil {
		return nil, fmt.Errorf("seal: generate root key: %w", err)
	}
	return New(raw, rand)
}

// Parse decodes a root key from its text form (the base64 that Encode returns, with or without the file header),
// as given in SECLAKE_ROOT_KEY.
func Parse(text string, rand io.Reader) (*Key, error) {
	text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), fileHeader))
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) != KeySize {
		return nil, fmt.Errorf("seal: a root key is %d bytes in standard base64 (%d characters); generate one with `head -c32 /dev/urandom | base64`", KeySize, base64.StdEncoding.EncodedLen(KeySize))
	}
	return New(raw, rand)
}

// Encode returns the key's text form: standard base64 of the raw bytes.
func (k *Key) Encode() string { return base64.StdEncoding.EncodeToString(k.root) }

// Load reads a root key file. It refuses a file that other users may read.
func Load(path string, rand io.Reader) (*Key, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("seal: root key file %s has mode %04o: other users can read it; run `chmod 600 %s`", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if !bytes.HasPrefix(b, []byte(fileHeader)) {
		return nil, fmt.Errorf("seal: %s is not a seclake root key file", path)
	}
	k, err := Parse(string(b), rand)
	if err != nil {
		return nil, fmt.Errorf("seal: %s: %w", path, err)
	}
	return k, nil
}

// Save writes the key to a new file at path with mode 0600; it fails if the file exists.
func (k *Key) Save(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("seal: create root key file: %w", err)
	}
	_, werr := fmt.Fprintf(f, "%s\n%s\n", fileHeader, k.Encode())
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path)
		return fmt.Errorf("seal: write root key file: %w", err)
	}
	return nil
}

// Seal encrypts plaintext, binding it to aad (which must be given again to Open).
func (k *Key) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+k.aead.Overhead())
	out[0] = version1
	if _, err := io.ReadFull(k.rand, out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return k.aead.Seal(out, out[1:1+nonceSize], plaintext, aad), nil
}

// Open decrypts a value made by Seal with the same aad, or returns ErrOpen.
func (k *Key) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+k.aead.Overhead() || sealed[0] != version1 {
		return nil, ErrOpen
	}
	pt, err := k.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Derive returns a 32-byte key for one purpose (for example "audit chain"), independent of every other purpose's.
func (k *Key) Derive(purpose string) []byte {
	b, err := hkdf.Key(sha256.New, k.root, nil, "seclake derive v1: "+purpose, 32)
	if err != nil {
		panic("seal: hkdf: " + err.Error()) // only fails for absurd lengths
	}
	return b
}

// Check returns a value that identifies the key without revealing it. seclake stores it in the data directory so
// that starting with the wrong root key fails with a clear message instead of unreadable secrets.
func (k *Key) Check() []byte { return bytes.Clone(k.check) }

// Matches reports, in constant time, whether check was made by this key.
func (k *Key) Matches(check []byte) bool { return hmac.Equal(check, k.check) }

func (k *Key) mac(purpose string, msg []byte) []byte {
	h := hmac.New(sha256.New, k.Derive(purpose))
	h.Write(msg)
	return h.Sum(nil)
}
