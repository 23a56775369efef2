package kms

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/kms"
)

// Blobs ([]byte) travel as base64 in JSON and are never written to the audit trail.

type encryptInput struct {
	KeyId               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	GrantTokens         []string `sensitive:"true"`
	EncryptionAlgorithm string
	DryRun              bool
}

type encryptOutput struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionAlgorithm string
}

func (h *handler) encrypt(ctx context.Context, c *api.Call, in *encryptInput) (*encryptOutput, error) {
	out, err := h.kms.Encrypt(ctx, c.Caller, kms.EncryptRequest{KeyID: in.KeyId, Plaintext: in.Plaintext,
		EncryptionContext: in.EncryptionContext, GrantTokens: in.GrantTokens, EncryptionAlgorithm: in.EncryptionAlgorithm, DryRun: in.DryRun})
	if err != nil {
		return nil, err
	}
	return &encryptOutput{CiphertextBlob: out.CiphertextBlob, KeyId: out.KeyARN, EncryptionAlgorithm: kms.AlgorithmSymmetric}, nil
}

type decryptInput struct {
	CiphertextBlob      []byte
	EncryptionContext   map[string]string
	GrantTokens         []string `sensitive:"true"`
	KeyId               string
	EncryptionAlgorithm string
	DryRun              bool
}

type decryptOutput struct {
	KeyId               string
	Plaintext           []byte
	EncryptionAlgorithm string
	KeyMaterialId       string
}

func (h *handler) decrypt(ctx context.Context, c *api.Call, in *decryptInput) (*decryptOutput, error) {
	out, err := h.kms.Decrypt(ctx, c.Caller, kms.DecryptRequest{CiphertextBlob: in.CiphertextBlob, EncryptionContext: in.EncryptionContext,
		GrantTokens: in.GrantTokens, KeyID: in.KeyId, EncryptionAlgorithm: in.EncryptionAlgorithm, DryRun: in.DryRun})
	if err != nil {
		return nil, err
	}
	return &decryptOutput{KeyId: out.KeyARN, Plaintext: out.Plaintext, EncryptionAlgorithm: kms.AlgorithmSymmetric, KeyMaterialId: out.KeyMaterialID}, nil
}

type reEncryptInput struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyId                    string
	DestinationKeyId               string
	DestinationEncryptionContext   map[string]string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	GrantTokens                    []string `sensitive:"true"`
	DryRun                         bool
}

type reEncryptOutput struct {
	CiphertextBlob                 []byte
	SourceKeyId                    string
	KeyId                          string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	SourceKeyMaterialId            string
	DestinationKeyMaterialId       string
}

func (h *handler) reEncrypt(ctx context.Context, c *api.Call, in *reEncryptInput) (*reEncryptOutput, error) {
	out, err := h.kms.ReEncrypt(ctx, c.Caller, kms.ReEncryptRequest{CiphertextBlob: in.CiphertextBlob,
		SourceEncryptionContext: in.SourceEncryptionContext, SourceKeyID: in.SourceKeyId, DestinationKeyID: in.DestinationKeyId,
		DestinationEncryptionContext: in.DestinationEncryptionContext, SourceEncryptionAlgorithm: in.SourceEncryptionAlgorithm,
		DestinationEncryptionAlgorithm: in.DestinationEncryptionAlgorithm, GrantTokens: in.GrantTokens, DryRun: in.DryRun})
	if err != nil {
		return nil, err
	}
	return &reEncryptOutput{CiphertextBlob: out.CiphertextBlob, SourceKeyId: out.SourceKeyARN, KeyId: out.KeyARN,
		SourceEncryptionAlgorithm: kms.AlgorithmSymmetric, DestinationEncryptionAlgorithm: kms.AlgorithmSymmetric,
		SourceKeyMaterialId: out.SourceKeyMaterialID, DestinationKeyMaterialId: out.DestinationKeyMaterialID}, nil
}

type generateDataKeyInput struct {
	KeyId             string
	EncryptionContext map[string]string
	NumberOfBytes     *int
	KeySpec           string
	GrantTokens       []string `sensitive:"true"`
	DryRun            bool
}

type generateDataKeyOutput struct {
	CiphertextBlob []byte
	Plaintext      []byte `json:",omitempty"`
	KeyId          string
	KeyMaterialId  string
}

func (h *handler) generateDataKey(ctx context.Context, c *api.Call, in *generateDataKeyInput) (*generateDataKeyOutput, error) {
	return h.dataKey(ctx, c, in, h.kms.GenerateDataKey)
}

func (h *handler) generateDataKeyWithoutPlaintext(ctx context.Context, c *api.Call, in *generateDataKeyInput) (*generateDataKeyOutput, error) {
	return h.dataKey(ctx, c, in, h.kms.GenerateDataKeyWithoutPlaintext)
}

type dataKeyFunc func(context.Context, *actor.Caller, kms.DataKeyRequest) (*kms.DataKey, error)

func (h *handler) dataKey(ctx context.Context, c *api.Call, in *generateDataKeyInput, gen dataKeyFunc) (*generateDataKeyOutput, error) {
	n, err := kms.DataKeySize(in.NumberOfBytes, in.KeySpec)
	if err != nil {
		return nil, err
	}
	dk, err := gen(ctx, c.Caller, kms.DataKeyRequest{KeyID: in.KeyId, EncryptionContext: in.EncryptionContext, NumberOfBytes: n,
		GrantTokens: in.GrantTokens, DryRun: in.DryRun})
	if err != nil {
		return nil, err
	}
	return &generateDataKeyOutput{CiphertextBlob: dk.CiphertextBlob, Plaintext: dk.Plaintext, KeyId: dk.KeyARN, KeyMaterialId: dk.KeyMaterialID}, nil
}

type generateRandomInput struct {
	NumberOfBytes int
}

type generateRandomOutput struct {
	Plaintext []byte
}

func (h *handler) generateRandom(ctx context.Context, c *api.Call, in *generateRandomInput) (*generateRandomOutput, error) {
	b, err := h.kms.GenerateRandom(ctx, c.Caller, in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	return &generateRandomOutput{Plaintext: b}, nil
}
