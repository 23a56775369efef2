package trail

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// SignatureAlgorithm is how digest files are signed.
const SignatureAlgorithm = "SHA256withRSA"

// signingKeyBits is the size of the RSA keys that sign digest files.
const signingKeyBits = 2048

// storedKey is a signing key as tableKeys holds it: the public half in the clear, the private half sealed
// with the root key.
type storedKey struct {
	TrailARN    string
	Fingerprint string
	Public      []byte // PKCS #1 DER
	Sealed      []byte // sealed PKCS #1 DER of the private key
	Created     time.Time
}

// signer signs a trail's digest files in one region.
type signer struct {
	key         *rsa.PrivateKey
	fingerprint string
}

// sign returns the hex signature of the string a digest file is signed over.
func (g *signer) sign(s *Service, toSign string) (string, error) {
	sum := sha256.Sum256([]byte(toSign))
	sig, err := rsa.SignPKCS1v15(s.cfg.Rand, g.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign digest: %w", err)
	}
	return hex.EncodeToString(sig), nil
}

// Fingerprint returns the fingerprint of a PKCS #1 DER public key that digest files name: the hex of the
// first 16 bytes of its SHA-256.
func Fingerprint(publicDER []byte) string {
	sum := sha256.Sum256(publicDER)
	return hex.EncodeToString(sum[:16])
}

func keysPrefix(account, region string) string { return account + "/" + region + "/" }

func keyAAD(storeKey string) []byte { return []byte("seclake trail signing key v1\x00" + storeKey) }

// signer returns trail t's signing key for region, creating it on first use.
func (s *Service) signer(ctx context.Context, t *Trail, region string) (*signer, error) {
	prefix := keysPrefix(t.Account, region) + t.Name + "/"
	s.keyMu.Lock()
	g := s.keys[prefix+t.ARN()]
	s.keyMu.Unlock()
	if g != nil {
		return g, nil
	}
	g, err := s.loadSigner(ctx, t, prefix)
	if err == nil && g == nil {
		g, err = s.newSigner(ctx, t, prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key of %s in %s: %w", t.ARN(), region, err)
	}
	s.keyMu.Lock()
	s.keys[prefix+t.ARN()] = g
	s.keyMu.Unlock()
	return g, nil
}

// loadSigner returns the newest stored signing key of trail t under prefix, or nil.
func (s *Service) loadSigner(ctx context.Context, t *Trail, prefix string) (*signer, error) {
	var found *storedKey
	var storeKey string
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		found = nil
		var derr error
		err := tx.Scan(tableKeys, meta.Range{Prefix: prefix}, func(k string, v []byte) bool {
			var sk storedKey
			if derr = json.Unmarshal(v, &sk); derr != nil {
				return false
			}
			if sk.TrailARN == t.ARN() && (found == nil || sk.Created.After(found.Created)) {
				found, storeKey = &sk, k
			}
			return true
		})
		return errors.Join(err, derr)
	})
	if err != nil || found == nil {
		return nil, err
	}
	der, err := s.cfg.Seal.Open(found.Sealed, keyAAD(storeKey))
	if err != nil {
		return nil, fmt.Errorf("unseal: %w", err)
	}
	key, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	return &signer{key: key, fingerprint: found.Fingerprint}, nil
}

// newSigner makes and stores a new signing key for trail t under prefix.
func (s *Service) newSigner(ctx context.Context, t *Trail, prefix string) (*signer, error) {
	key, err := rsa.GenerateKey(s.cfg.Rand, signingKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	pub := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	fp := Fingerprint(pub)
	storeKey := prefix + fp
	sealed, err := s.cfg.Seal.Seal(x509.MarshalPKCS1PrivateKey(key), keyAAD(storeKey))
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	sk := storedKey{TrailARN: t.ARN(), Fingerprint: fp, Public: pub, Sealed: sealed, Created: s.cfg.Clock.Now().UTC()}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return putJSON(tx, tableKeys, storeKey, &sk) })
	if err != nil {
		return nil, err
	}
	return &signer{key: key, fingerprint: fp}, nil
}

// publicKeys returns the public keys of an account's trails in a region made at or before end, oldest first.
func (s *Service) publicKeys(ctx context.Context, account, region string, end time.Time) ([]PublicKey, error) {
	var out []PublicKey
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		out = nil
		var derr error
		err := tx.Scan(tableKeys, meta.Range{Prefix: keysPrefix(account, region)}, func(k string, v []byte) bool {
			var sk storedKey
			if derr = json.Unmarshal(v, &sk); derr != nil {
				return false
			}
			if !sk.Created.After(end) {
				out = append(out, PublicKey{Value: sk.Public, ValidityStart: sk.Created, Fingerprint: sk.Fingerprint})
			}
			return true
		})
		return errors.Join(err, derr)
	})
	if err != nil {
		return nil, fmt.Errorf("list public keys: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ValidityStart.Before(out[j].ValidityStart) })
	return out, nil
}
