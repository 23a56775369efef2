package objstore

import (
	"strings"

	"github.com/seclake/seclake/internal/checksum"
)

const (
	checksumFullObject = "FULL_OBJECT"
	checksumComposite  = "COMPOSITE"
)

// uploadChecksumType checks CreateMultipartUpload's x-amz-checksum-type against its algorithm and returns the
// type to keep: FULL_OBJECT for the CRCs that ask it (CRC64NVME always is), "" for COMPOSITE.
func uploadChecksumType(a checksum.Algorithm, t string) (string, error) {
	switch {
	case t == "" && a == checksum.CRC64NVME:
		return checksumFullObject, nil
	case t == "" || t == checksumComposite && a != "" && a != checksum.CRC64NVME:
		return "", nil
	case t != checksumFullObject && t != checksumComposite:
		return "", errInvalidRequest("Value for x-amz-checksum-type header is invalid.")
	case a == "":
		return "", errInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	case t == checksumFullObject && checksum.Combinable(a):
		return checksumFullObject, nil
	}
	return "", errInvalidRequest("The %s checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(t), strings.ToLower(string(a)))
}

// fullObjectChecksum combines the parts' CRCs, in order, into the CRC of the whole object.
func fullObjectChecksum(a checksum.Algorithm, sums []byte, parts []dataBlob) *Checksum {
	n := a.Size()
	whole := sums[:n]
	for i := 1; i < len(parts); i++ {
		whole = checksum.Combine(a, whole, sums[i*n:(i+1)*n], parts[i].Size)
	}
	return &Checksum{Algorithm: a, Value: checksum.Encode(whole), Type: checksumFullObject}
}

// verifyComplete checks the whole-object checksum CompleteMultipartUpload gives against the one computed from
// the parts: the upload's algorithm, its type, its value (a composite value with or without its "-N").
func verifyComplete(u *Upload, obj *Object, given *Checksum) error {
	if given == nil {
		return nil
	}
	if obj.Checksum == nil || given.Algorithm != obj.Checksum.Algorithm {
		return errInvalidRequest("The upload was created using the %s checksum algorithm. The complete request must use the same algorithm.", uploadAlgorithmName(u))
	}
	if given.Type != "" && given.Type != obj.Checksum.Type {
		return errInvalidRequest("The upload was created using the %s checksum mode. The complete request must use the same checksum mode.", strings.ToLower(obj.Checksum.Type))
	}
	want := obj.Checksum.Value
	if given.Value != want && given.Value != strings.SplitN(want, "-", 2)[0] {
		return errBadDigest(checksumName(given.Algorithm))
	}
	return nil
}

func uploadAlgorithmName(u *Upload) string {
	if u.Checksum == "" {
		return "null"
	}
	return strings.ToLower(string(u.Checksum))
}
