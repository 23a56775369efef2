package objstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// An object's metadata record is stored in one of two forms, told apart by the first byte:
//
//   - '{': the Object as JSON, inline bodies included as base64 (the first layout, still read).
//   - objectRecordBinary (0x02): that byte, uvarint(len(J)), J — the Object as JSON without its inline
//     bodies — then, for each blob with an inline body, uvarint(blob index), uvarint(n) and the n sealed
//     bytes. Small objects keep their sealed body inside the record (InlineLimit); carrying it as raw bytes
//     instead of base64 in JSON spares every GET and LIST of such an object decoding (and validating) it as
//     a JSON string, and LIST skips the bodies altogether.
const objectRecordBinary = 0x02

// errCorruptRecord is returned for a record that neither form can read.
var errCorruptRecord = errors.New("corrupt object record")

// encodeObject returns the stored form of o.
func encodeObject(o *Object) ([]byte, error) {
	if !slices.ContainsFunc(o.Blobs, func(b dataBlob) bool { return b.Inline != nil }) {
		return json.Marshal(o)
	}
	bare := *o
	bare.Blobs = slices.Clone(o.Blobs)
	size := 0
	for i := range bare.Blobs {
		size += len(bare.Blobs[i].Inline) + 2*binary.MaxVarintLen64
		bare.Blobs[i].Inline = nil
	}
	j, err := json.Marshal(&bare)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(j)+size)
	out = append(out, objectRecordBinary)
	out = binary.AppendUvarint(out, uint64(len(j)))
	out = append(out, j...)
	for i, b := range o.Blobs {
		if b.Inline == nil {
			continue
		}
		out = binary.AppendUvarint(out, uint64(i))
		out = binary.AppendUvarint(out, uint64(len(b.Inline)))
		out = append(out, b.Inline...)
	}
	return out, nil
}

// decodeObject reads a stored record into o. With bodies false it leaves inline bodies out (listings need
// only the metadata). The inline bodies never alias v.
func decodeObject(v []byte, o *Object, bodies bool) error {
	if len(v) == 0 {
		return errCorruptRecord
	}
	if v[0] == '{' {
		if err := json.Unmarshal(v, o); err != nil {
			return err
		}
		if !bodies {
			for i := range o.Blobs {
				o.Blobs[i].Inline = nil
			}
		}
		return nil
	}
	if v[0] != objectRecordBinary {
		return fmt.Errorf("%w: unknown form %#x", errCorruptRecord, v[0])
	}
	rest := v[1:]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)-k) {
		return fmt.Errorf("%w: bad metadata length", errCorruptRecord)
	}
	rest = rest[k:]
	if err := json.Unmarshal(rest[:n], o); err != nil {
		return err
	}
	rest = rest[n:]
	if !bodies {
		return nil
	}
	rest = slices.Clone(rest) // one copy for every body, so that none aliases the store's buffer
	for len(rest) > 0 {
		i, k := binary.Uvarint(rest)
		if k <= 0 || i >= uint64(len(o.Blobs)) {
			return fmt.Errorf("%w: bad blob index", errCorruptRecord)
		}
		rest = rest[k:]
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return fmt.Errorf("%w: bad inline length", errCorruptRecord)
		}
		rest = rest[k:]
		o.Blobs[i].Inline = rest[:n:n]
		rest = rest[n:]
	}
	return nil
}
