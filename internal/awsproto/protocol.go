// Package awsproto encodes and decodes the AWS wire protocols — JSON 1.0 and 1.1, REST-JSON, REST-XML and Query —
// and renders *awserr.Error in each protocol's error format. It knows nothing about any particular service.
package awsproto

import (
	"crypto/rand"
	"encoding/hex"
)

// Protocol is an AWS wire protocol, as the "protocol" field of a botocore model names it.
type Protocol int

// The protocols AWS services speak.
const (
	JSON10   Protocol = iota // awsJson1_0 (SQS, …): POST /, X-Amz-Target, application/x-amz-json-1.0
	JSON11                   // awsJson1_1 (KMS, CloudTrail, Organizations, …)
	RESTJSON                 // restJson1 (Security Lake, …): operation chosen by method and path
	RESTXML                  // restXml (S3)
	Query                    // awsQuery (STS, IAM): form-encoded Action=…&Version=…, XML responses
	EC2                      // ec2: the Query request form with EC2's own XML responses and errors
)

// String returns the protocol's botocore name.
func (p Protocol) String() string {
	switch p {
	case JSON10:
		return "json1.0"
	case JSON11:
		return "json1.1"
	case RESTJSON:
		return "rest-json"
	case RESTXML:
		return "rest-xml"
	case Query:
		return "query"
	case EC2:
		return "ec2"
	}
	return "unknown"
}

// ContentType returns the Content-Type of the protocol's response bodies.
func (p Protocol) ContentType() string {
	switch p {
	case JSON10:
		return "application/x-amz-json-1.0"
	case JSON11:
		return "application/x-amz-json-1.1"
	case RESTJSON:
		return "application/json"
	}
	return "text/xml"
}

// IsJSON reports whether the protocol carries JSON bodies.
func (p Protocol) IsJSON() bool { return p == JSON10 || p == JSON11 || p == RESTJSON }

// NewRequestID returns a random request ID in the UUID form that AWS's JSON and Query services use.
func NewRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("awsproto: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// S3RequestID turns a request ID into the 16-character upper-case hex form S3 uses for x-amz-request-id.
func S3RequestID(id string) string {
	out := make([]byte, 0, 16)
	for i := 0; i < len(id) && len(out) < 16; i++ {
		c := id[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
			out = append(out, c)
		case c >= 'a' && c <= 'f':
			out = append(out, c-'a'+'A')
		}
	}
	return string(out)
}
