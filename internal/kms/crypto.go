package kms

import (
	"context"
	"fmt"
	"io"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
)

// EncryptRequest is Encrypt's input.
type EncryptRequest struct {
	KeyID               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	GrantTokens         []string
	EncryptionAlgorithm string
	DryRun              bool
}

// Encrypted is Encrypt's output.
type Encrypted struct {
	KeyARN         string
	CiphertextBlob []byte
	KeyMaterialID  string
}

// maxPlaintext is the most Encrypt accepts, and the largest data key.
const maxPlaintext = 4096

// Encrypt encrypts up to 4 KiB under a key.
func (s *Service) Encrypt(ctx context.Context, c *actor.Caller, in EncryptRequest) (*Encrypted, error) {
	var v validation
	if len(in.Plaintext) == 0 {
		v.errs = append(v.errs, "Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1")
	} else if len(in.Plaintext) > maxPlaintext {
		v.add("plaintext", "", "Member must have length less than or equal to 4096")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	a := cryptoAccess("kms:Encrypt", "Encrypt", in.EncryptionContext, in.GrantTokens, c.Source)
	e, err := s.use(ctx, c, in.KeyID, true, a)
	if err == nil {
		err = checkAlgorithm(e, in.EncryptionAlgorithm)
	}
	var out *Encrypted
	if err == nil {
		out, err = s.encryptWith(e, in.EncryptionContext, in.Plaintext, in.DryRun)
	}
	return out, err
}

func (s *Service) encryptWith(e *entry, ec map[string]string, plaintext []byte, dryRun bool) (*Encrypted, error) {
	if err := usable(e); err != nil {
		return nil, err
	}
	if dryRun {
		return nil, errDryRun()
	}
	var rnd [blobSaltSize + blobNonceSize]byte
	if _, err := io.ReadFull(s.rand, rnd[:]); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	ct, err := sealWith(e, rnd[:], ec, plaintext)
	if err != nil {
		return nil, err
	}
	return &Encrypted{KeyARN: e.arn, CiphertextBlob: ct, KeyMaterialID: e.rec.current().ID}, nil
}

// sealWith encrypts under the key's current material; random holds the blob's salt and nonce.
func sealWith(e *entry, random []byte, ec map[string]string, plaintext []byte) ([]byte, error) {
	h := blobHeader{account: e.rec.Account, region: e.rec.Region, keyID: e.rec.ID, version: uint32(len(e.materials))}
	return sealBlob(e.materials[len(e.materials)-1], h, random, ec, plaintext)
}

// cryptoAccess is the authorization question of a cryptographic operation: grants allow it when their
// constraints hold for the request's encryption context.
func cryptoAccess(action, grantOp string, ec map[string]string, tokens []string, src actor.Source) *access {
	return &access{action: action, grantOp: grantOp, ec: ec, tokens: tokens,
		grantFilter: func(g *Grant) bool { return g.Constraints.hold(ec, src.ARN) }}
}

// checkAlgorithm accepts the one encryption algorithm of symmetric keys.
func checkAlgorithm(e *entry, alg string) error {
	switch alg {
	case "", AlgorithmSymmetric:
		return nil
	case "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE":
		return kmsError("InvalidKeyUsageException", "The encryption algorithm %s is not valid for %s, a symmetric encryption key; use %s.", alg, e.arn, AlgorithmSymmetric)
	}
	return errValidation("encryptionAlgorithm", alg, "Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]")
}

// DecryptRequest is Decrypt's input. KeyID is optional: the ciphertext names its key; when KeyID is given,
// it must name the same key (IncorrectKeyException).
type DecryptRequest struct {
	CiphertextBlob      []byte
	EncryptionContext   map[string]string
	KeyID               string
	GrantTokens         []string
	EncryptionAlgorithm string
	DryRun              bool
}

// Decrypted is Decrypt's output.
type Decrypted struct {
	KeyARN        string
	Plaintext     []byte
	KeyMaterialID string
}

// Decrypt decrypts a ciphertext blob. It takes the key from the blob's header before it authorizes, so the
// key policy of the key that really encrypted the data decides.
func (s *Service) Decrypt(ctx context.Context, c *actor.Caller, in DecryptRequest) (*Decrypted, error) {
	a := cryptoAccess("kms:Decrypt", "Decrypt", in.EncryptionContext, in.GrantTokens, c.Source)
	e, b, err := s.blobKey(ctx, c, in.CiphertextBlob, in.KeyID, a)
	if err == nil {
		err = checkAlgorithm(e, in.EncryptionAlgorithm)
	}
	var out *Decrypted
	if err == nil {
		out, err = decryptWith(e, b, in.EncryptionContext, in.DryRun)
	}
	return out, err
}

// blobKey parses a ciphertext blob, finds its key, checks it against the key the request names (if any) and
// authorizes a on it.
func (s *Service) blobKey(ctx context.Context, c *actor.Caller, ciphertext []byte, keyID string, a *access) (*entry, *blob, error) {
	var v validation
	if len(ciphertext) == 0 {
		v.errs = append(v.errs, "Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1")
	} else if len(ciphertext) > 6144 {
		v.add("ciphertextBlob", "", "Member must have length less than or equal to 6144")
	}
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	b, err := parseBlob(ciphertext)
	if err != nil {
		return nil, nil, errInvalidCiphertext()
	}
	if b.region != callerRegion(c) {
		return nil, nil, errUnknownCiphertextKey()
	}
	if keyID != "" {
		account := c.Account
		if account == "" {
			account = c.Source.Account
		}
		ref, err := parseKeyID(account, callerRegion(c), keyID, true)
		if err != nil {
			return nil, nil, err
		}
		named, err := s.resolve(ctx, ref)
		if err != nil {
			return nil, nil, err
		}
		if named.rec.Account != b.account || named.rec.ID != b.keyID {
			return nil, nil, errIncorrectKey()
		}
	}
	e, err := s.entry(ctx, keyStoreKey(b.account, b.region, b.keyID))
	if err == errNoKey {
		return nil, nil, errUnknownCiphertextKey()
	}
	if err != nil {
		return nil, nil, err
	}
	observe(ctx, e)
	if err := s.authorize(ctx, c, e, a); err != nil {
		return e, nil, err
	}
	return e, b, nil
}

func decryptWith(e *entry, b *blob, ec map[string]string, dryRun bool) (*Decrypted, error) {
	if err := usable(e); err != nil {
		return nil, err
	}
	if dryRun {
		return nil, errDryRun()
	}
	if int(b.version) > len(e.materials) {
		return nil, errInvalidCiphertext()
	}
	pt, err := openBlob(e.materials[b.version-1], b, ec)
	if err != nil {
		return nil, errInvalidCiphertext()
	}
	return &Decrypted{KeyARN: e.arn, Plaintext: pt, KeyMaterialID: e.rec.Materials[b.version-1].ID}, nil
}

// ReEncryptRequest is ReEncrypt's input.
type ReEncryptRequest struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyID                    string
	DestinationKeyID               string
	DestinationEncryptionContext   map[string]string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	GrantTokens                    []string
	DryRun                         bool
}

// ReEncrypted is ReEncrypt's output.
type ReEncrypted struct {
	CiphertextBlob           []byte
	SourceKeyARN             string
	KeyARN                   string
	SourceKeyMaterialID      string
	DestinationKeyMaterialID string
}

// ReEncrypt decrypts a blob and encrypts its plaintext under another key (or the same key's current material)
// without exposing it. It needs kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination.
func (s *Service) ReEncrypt(ctx context.Context, c *actor.Caller, in ReEncryptRequest) (*ReEncrypted, error) {
	if in.DestinationKeyID == "" {
		return nil, errValidation("destinationKeyId", "", "Member must not be null")
	}
	from := cryptoAccess("kms:ReEncryptFrom", "ReEncryptFrom", in.SourceEncryptionContext, in.GrantTokens, c.Source)
	to := cryptoAccess("kms:ReEncryptTo", "ReEncryptTo", in.DestinationEncryptionContext, in.GrantTokens, c.Source)
	sameKey := s.reEncryptOnSameKey(ctx, c, in.CiphertextBlob, in.DestinationKeyID)
	same := func(pc *policy.Context) { pc.SetBool("kms:ReEncryptOnSameKey", sameKey) }
	from.set, to.set = same, same
	src, b, err := s.blobKey(ctx, c, in.CiphertextBlob, in.SourceKeyID, from)
	if err != nil {
		return nil, err
	}
	dst, err := s.use(ctx, c, in.DestinationKeyID, true, to)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm(src, in.SourceEncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(dst, in.DestinationEncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := usable(dst); err != nil {
		return nil, err
	}
	pt, err := decryptWith(src, b, in.SourceEncryptionContext, in.DryRun)
	if err != nil {
		return nil, err
	}
	defer clear(pt.Plaintext)
	enc, err := s.encryptWith(dst, in.DestinationEncryptionContext, pt.Plaintext, false)
	if err != nil {
		return nil, err
	}
	return &ReEncrypted{CiphertextBlob: enc.CiphertextBlob, SourceKeyARN: src.arn, KeyARN: dst.arn,
		SourceKeyMaterialID: pt.KeyMaterialID, DestinationKeyMaterialID: enc.KeyMaterialID}, nil
}

// reEncryptOnSameKey reports whether a ReEncrypt's destination is the key that encrypted the blob
// (kms:ReEncryptOnSameKey). Failures to tell are reported later, by the steps that need the same facts.
func (s *Service) reEncryptOnSameKey(ctx context.Context, c *actor.Caller, ciphertext []byte, destination string) bool {
	b, err := parseBlob(ciphertext)
	if err != nil {
		return false
	}
	ref, err := parseKeyID(c.Account, callerRegion(c), destination, true)
	if err != nil {
		return false
	}
	if ref.alias != "" {
		if ref.id, err = s.aliasTarget(ctx, ref); err != nil {
			return false
		}
	}
	return ref.account == b.account && ref.id == b.keyID
}

// GenerateRandom returns n random bytes (1–1024). Only IAM policies govern it.
func (s *Service) GenerateRandom(ctx context.Context, c *actor.Caller, n int) ([]byte, error) {
	if n < 1 || n > 1024 {
		return nil, numberOfBytesError(n)
	}
	if err := s.authorizeIAM(ctx, c, "kms:GenerateRandom", "*", policy.Context{}); err != nil {
		return nil, err
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(s.rand, out); err != nil {
		return nil, fmt.Errorf("generate random: %w", err)
	}
	return out, nil
}

func numberOfBytesError(n int) error {
	if n < 1 {
		return errValidation("numberOfBytes", fmt.Sprint(n), "Member must have value greater than or equal to 1")
	}
	return errValidation("numberOfBytes", fmt.Sprint(n), "Member must have value less than or equal to 1024")
}
