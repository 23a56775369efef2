package kms

import "time"

// KeyState is a key's state, spelled as KMS spells it.
type KeyState string

// The key states seclake's keys take.
const (
	StateEnabled         KeyState = "Enabled"
	StateDisabled        KeyState = "Disabled"
	StatePendingDeletion KeyState = "PendingDeletion"
)

// Constants of the only key type seclake makes: symmetric encryption keys with KMS-generated material.
const (
	SpecSymmetric       = "SYMMETRIC_DEFAULT"
	UsageEncryptDecrypt = "ENCRYPT_DECRYPT"
	OriginAWSKMS        = "AWS_KMS"
	AlgorithmSymmetric  = "SYMMETRIC_DEFAULT"
	managerCustomer     = "CUSTOMER"
)

// Rotation types of ListKeyRotations.
const (
	RotationAutomatic = "AUTOMATIC"
	RotationOnDemand  = "ON_DEMAND"
)

// KeyMetadata describes a key, as DescribeKey returns it.
type KeyMetadata struct {
	AccountID            string
	KeyID                string
	ARN                  string
	CreationDate         time.Time
	Enabled              bool
	Description          string
	KeyUsage             string
	KeyState             KeyState
	DeletionDate         time.Time // zero unless PendingDeletion
	PendingWindowInDays  int       // zero unless PendingDeletion
	Origin               string
	KeyManager           string
	KeySpec              string
	EncryptionAlgorithms []string
	CurrentKeyMaterialID string
}

// Tag is a key's tag.
type Tag struct {
	TagKey   string
	TagValue string
}

// maxTags is the number of tags a key may have (KMS DG resource-limits: 50 tags per key).
const maxTags = 50
