package kms

import (
	"context"
	"fmt"
	"io"

	"github.com/seclake/seclake/internal/actor"
)

// DataKeyRequest asks for a data key.
type DataKeyRequest struct {
	// KeyID is the key ID, key ARN, alias name or alias ARN of the key that encrypts the data key.
	KeyID             string
	EncryptionContext map[string]string
	// NumberOfBytes is the data key's length, 1–1024; 0 means 32 (AES_256).
	NumberOfBytes int
	GrantTokens   []string
	DryRun        bool
}

// DataKey is a generated data key: its plaintext (nil from GenerateDataKeyWithoutPlaintext) and its
// ciphertext blob under the key.
type DataKey struct {
	KeyARN         string
	Plaintext      []byte
	CiphertextBlob []byte
	KeyMaterialID  string
}

// Data key specs of GenerateDataKey.
const (
	DataKeyAES256 = "AES_256"
	DataKeyAES128 = "AES_128"
)

// DataKeySize returns the data key length a wire request asks for with its NumberOfBytes (nil when absent)
// and KeySpec: exactly one of them must be given.
func DataKeySize(numberOfBytes *int, keySpec string) (int, error) {
	switch {
	case numberOfBytes != nil && keySpec != "", numberOfBytes == nil && keySpec == "":
		return 0, errValidationMsg("Please specify either number of bytes or key spec.")
	case numberOfBytes != nil:
		if *numberOfBytes < 1 || *numberOfBytes > 1024 {
			return 0, numberOfBytesError(*numberOfBytes)
		}
		return *numberOfBytes, nil
	case keySpec == DataKeyAES256:
		return 32, nil
	case keySpec == DataKeyAES128:
		return 16, nil
	}
	return 0, errValidation("keySpec", keySpec, "Member must satisfy enum value set: [AES_256, AES_128]")
}

// GenerateDataKey returns a new data key in plaintext and encrypted under the key. This is the path S3 takes
// for every object it encrypts: it makes no store round trip for a cached key.
func (s *Service) GenerateDataKey(ctx context.Context, c *actor.Caller, req DataKeyRequest) (*DataKey, error) {
	return s.generateDataKey(ctx, c, req, "GenerateDataKey", true)
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey without the plaintext in the result.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, c *actor.Caller, req DataKeyRequest) (*DataKey, error) {
	return s.generateDataKey(ctx, c, req, "GenerateDataKeyWithoutPlaintext", false)
}

func (s *Service) generateDataKey(ctx context.Context, c *actor.Caller, req DataKeyRequest, op string, withPlaintext bool) (*DataKey, error) {
	n := req.NumberOfBytes
	if n == 0 {
		n = 32
	}
	if n < 1 || n > 1024 {
		return nil, numberOfBytesError(n)
	}
	a := cryptoAccess("kms:"+op, op, req.EncryptionContext, req.GrantTokens, c.Source)
	e, err := s.use(ctx, c, req.KeyID, true, a)
	var out *DataKey
	if err == nil {
		out, err = s.dataKey(e, req, n, withPlaintext)
	}
	return out, err
}

func (s *Service) dataKey(e *entry, req DataKeyRequest, n int, withPlaintext bool) (*DataKey, error) {
	if err := usable(e); err != nil {
		return nil, err
	}
	if req.DryRun {
		return nil, errDryRun()
	}
	// One read for the data key, the blob's salt and its nonce.
	rnd := make([]byte, n+blobSaltSize+blobNonceSize)
	if _, err := io.ReadFull(s.rand, rnd); err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	pt := rnd[:n:n]
	ct, err := sealWith(e, rnd[n:], req.EncryptionContext, pt)
	if err != nil {
		return nil, err
	}
	out := &DataKey{KeyARN: e.arn, CiphertextBlob: ct, KeyMaterialID: e.rec.current().ID}
	if withPlaintext {
		out.Plaintext = pt
	} else {
		clear(pt)
	}
	return out, nil
}

// keySpecName is the KeySpec CloudTrail shows for a data key of n bytes ("" when it is not one of them).
func keySpecName(n int) string {
	switch n {
	case 32:
		return DataKeyAES256
	case 16:
		return DataKeyAES128
	}
	return ""
}
