package kms

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// keyRecord is a key as stored in kms.keys: its metadata, policy, rotation state and every material it had.
type keyRecord struct {
	ID          string    `json:"id"`
	Account     string    `json:"account"`
	Region      string    `json:"region"`
	Created     time.Time `json:"created"`
	Description string    `json:"description,omitempty"`
	State       KeyState  `json:"state"`
	// DeletionDate and PendingWindow are set while the key is PendingDeletion.
	DeletionDate  time.Time `json:"deletionDate,omitzero"`
	PendingWindow int       `json:"pendingWindow,omitempty"`
	Policy        string    `json:"policy"`
	// Manager is the KeyManager: "" for customer managed keys, managerAWS for AWS managed keys.
	Manager string `json:"manager,omitempty"`
	Tags    []Tag  `json:"tags,omitempty"`
	// Aliases are the names of the aliases that point at the key (kms:ResourceAliases).
	Aliases []string `json:"aliases,omitempty"`
	// RotationPeriod is the automatic rotation period in days; zero while automatic rotation is off.
	RotationPeriod int `json:"rotationPeriod,omitempty"`
	// NextRotation is when the key rotates automatically next (zero while automatic rotation is off).
	NextRotation time.Time `json:"nextRotation,omitzero"`
	// OnDemandRotations counts RotateKeyOnDemand calls.
	OnDemandRotations int `json:"onDemandRotations,omitempty"`
	// Materials are every key material the key had, oldest first; the last is current. Version n (in
	// ciphertext headers) is Materials[n-1].
	Materials []materialRecord `json:"materials"`
	// Revision counts the record's changes.
	Revision uint64 `json:"revision"`
}

// materialRecord is one key material, sealed with the root key.
type materialRecord struct {
	// ID is the KeyMaterialId KMS reports: 64 lowercase hex digits.
	ID      string    `json:"id"`
	Sealed  []byte    `json:"sealed"`
	Created time.Time `json:"created"`
	// Rotation is "" for the key's first material, else RotationAutomatic or RotationOnDemand.
	Rotation string `json:"rotation,omitempty"`
}

// materialSize is the size of key material: AES-256.
const materialSize = 32

// keyStoreKey is the key record's key in kms.keys (and the prefix of its grants in kms.grants).
func keyStoreKey(account, region, id string) string { return account + "/" + region + "/" + id }

// arn returns the key's ARN.
func (r *keyRecord) arn() string { return keyARN(r.Account, r.Region, r.ID) }

func (r *keyRecord) storeKey() string { return keyStoreKey(r.Account, r.Region, r.ID) }

func keyARN(account, region, id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

// keyManager returns the key's KeyManager: CUSTOMER or AWS.
func (r *keyRecord) keyManager() string {
	if r.Manager == "" {
		return managerCustomer
	}
	return r.Manager
}

// current returns the material that encrypts.
func (r *keyRecord) current() *materialRecord { return &r.Materials[len(r.Materials)-1] }

// metadata returns the key's description as DescribeKey gives it.
func (r *keyRecord) metadata() *KeyMetadata {
	m := &KeyMetadata{
		AccountID:            r.Account,
		KeyID:                r.ID,
		ARN:                  r.arn(),
		CreationDate:         r.Created,
		Enabled:              r.State == StateEnabled,
		Description:          r.Description,
		KeyUsage:             UsageEncryptDecrypt,
		KeyState:             r.State,
		Origin:               OriginAWSKMS,
		KeyManager:           r.keyManager(),
		KeySpec:              SpecSymmetric,
		EncryptionAlgorithms: []string{AlgorithmSymmetric},
		CurrentKeyMaterialID: r.current().ID,
	}
	if r.State == StatePendingDeletion {
		m.DeletionDate, m.PendingWindowInDays = r.DeletionDate, r.PendingWindow
	}
	return m
}

// materialAAD binds a sealed material to its key and version, so a sealed value cannot be moved to another
// key or version.
func materialAAD(keyARN string, version int) []byte {
	return []byte("seclake kms material v1\x00" + keyARN + "\x00" + strconv.Itoa(version))
}

// newMaterial generates key material for version (1-based) of the key, sealed.
func (s *Service) newMaterial(keyARN string, version int, rotation string) (materialRecord, error) {
	var buf [materialSize + 32]byte
	if _, err := io.ReadFull(s.rand, buf[:]); err != nil {
		return materialRecord{}, fmt.Errorf("generate key material: %w", err)
	}
	defer clear(buf[:])
	sealed, err := s.cfg.Seal.Seal(buf[:materialSize], materialAAD(keyARN, version))
	if err != nil {
		return materialRecord{}, fmt.Errorf("seal key material: %w", err)
	}
	return materialRecord{ID: hex.EncodeToString(buf[materialSize:]), Sealed: sealed, Created: s.clock.Now().UTC(), Rotation: rotation}, nil
}

// openMaterials unseals every material of r.
func (s *Service) openMaterials(r *keyRecord) ([][]byte, error) {
	out := make([][]byte, len(r.Materials))
	for i := range r.Materials {
		m, err := s.cfg.Seal.Open(r.Materials[i].Sealed, materialAAD(r.arn(), i+1))
		if err != nil {
			return nil, fmt.Errorf("unseal material %d of %s (is this the data directory's root key?): %w", i+1, r.arn(), err)
		}
		out[i] = m
	}
	return out, nil
}

// errNoKey is returned by getKey for a key that does not exist.
var errNoKey = errors.New("kms: no such key")

// getKey reads a key record.
func getKey(tx meta.Tx, storeKey string) (*keyRecord, error) {
	b, err := tx.Get(tableKeys, storeKey)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, errNoKey
	}
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", storeKey, err)
	}
	r := new(keyRecord)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("decode key %s: %w", storeKey, err)
	}
	if len(r.Materials) == 0 {
		return nil, fmt.Errorf("decode key %s: no key material", storeKey)
	}
	return r, nil
}

// putKey writes a key record, counting the change.
func putKey(tx meta.Tx, r *keyRecord) error {
	r.Revision++
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode key %s: %w", r.ID, err)
	}
	if err := tx.Put(tableKeys, r.storeKey(), b); err != nil {
		return fmt.Errorf("write key %s: %w", r.ID, err)
	}
	return nil
}
