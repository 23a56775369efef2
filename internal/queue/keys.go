package queue

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Messages are laid out in tableMsgs under the queue's ID:
//
//	<qid>\x00m\x00<seq>                        the message record (seq: 16 hex digits of the send time in
//	                                           nanoseconds and 8 random ones for standard queues, 16 hex digits
//	                                           of the queue's counter for FIFO queues, so FIFO scans are in order)
//	<qid>\x00v\x00<visible at>\x00<seq>        standard queues' visibility index: one byte of state ('w' waiting
//	                                           to be received, 'i' in flight); visible at is 16 hex digits of
//	                                           Unix milliseconds, so a receive scans only the messages due
//
// The deduplication entries of FIFO queues and the receive attempts live in tableDedup under the same ID.

func recordKey(qid, seq string) string { return qid + "\x00m\x00" + seq }

func recordPrefix(qid string) string { return qid + "\x00m\x00" }

func indexPrefix(qid string) string { return qid + "\x00v\x00" }

func indexKey(qid string, visibleAt int64, seq string) string {
	return indexPrefix(qid) + hex16(uint64(visibleAt)) + "\x00" + seq
}

// indexDue is the end of the index keys visible at now.
func indexDue(qid string, now int64) string { return indexPrefix(qid) + hex16(uint64(now+1)) }

// seqOfIndex returns the seq of an index key.
func seqOfIndex(key string) string {
	return key[strings.LastIndexByte(key, 0)+1:]
}

func visibleOfIndex(qid, key string) int64 {
	var v uint64
	fmt.Sscanf(key[len(indexPrefix(qid)):len(indexPrefix(qid))+16], "%016x", &v)
	return int64(v)
}

// standardSeq is the seq of a standard queue's message: its send time, then its whole random message ID, so
// that messages sent in the same instant (a batch, a coarse or fake clock) never share a key.
func standardSeq(now time.Time, id string) string {
	return hex16(uint64(now.UnixNano())) + strings.ReplaceAll(id, "-", "")
}

func queueKey(account, name string) string { return account + "\x00" + name }

func hex16(v uint64) string { return fmt.Sprintf("%016x", v) }

// handle is what a receipt handle says: the queue, the message's record and the receipt it was given.
type handle struct {
	qid, seq, receipt string
}

func (h handle) encode() string {
	var b []byte
	b = append(b, 1)
	for _, s := range []string{h.qid, h.seq, h.receipt} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseHandle(s string) (handle, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || b[0] != 1 {
		return handle{}, false
	}
	b = b[1:]
	var parts [3]string
	for i := range parts {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return handle{}, false
		}
		parts[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 0 || parts[0] == "" || parts[1] == "" {
		return handle{}, false
	}
	return handle{qid: parts[0], seq: parts[1], receipt: parts[2]}, true
}

// deleteAll deletes every key of table under prefix, a scan at a time.
func deleteAll(tx meta.Tx, table, prefix string) (int, error) {
	n := 0
	for {
		var keys []string
		if err := tx.Scan(table, meta.Range{Prefix: prefix, Limit: 1000}, func(k string, _ []byte) bool {
			keys = append(keys, k)
			return true
		}); err != nil {
			return n, err
		}
		for _, k := range keys {
			if err := tx.Delete(table, k); err != nil {
				return n, err
			}
		}
		n += len(keys)
		if len(keys) < 1000 {
			return n, nil
		}
	}
}
