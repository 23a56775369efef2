package sigv4

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
)

const (
	trailerSignatureHeader = "x-amz-trailer-signature"
	msgMalformedTrailer    = "The request contained trailing data that was not well-formed or did not conform to our published schema."
)

func malformedTrailer(detail string) error {
	return &Error{Kind: KindMalformedTrailer, Message: msgMalformedTrailer, Err: errors.New(detail)}
}

// readTrailer reads the trailer section after the final chunk up to its closing empty line, then verifies
// the trailer signature (signed chunks) and the declared trailing checksum.
func (c *chunkReader) readTrailer() error {
	var (
		canon      []byte // the signed form: "name:value\n" for each trailing header
		sig, value string
		found      bool
	)
	alg := c.cfg.sum.alg
	for lines := 0; ; lines++ {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if _, err := c.src.Peek(1); lines == 0 && err == nil {
				continue // some signers put an empty line between the final chunk and the trailer
			}
			break
		}
		if lines >= maxTrailerLines {
			return malformedTrailer("too many trailing headers")
		}
		rawName, rawValue, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return malformedTrailer("a trailing header has no colon")
		}
		name := strings.ToLower(string(bytes.TrimSpace(rawName)))
		val := string(bytes.TrimSpace(rawValue))
		switch {
		case name == trailerSignatureHeader && c.cfg.signer != nil && sig == "":
			sig = val
		case alg != "" && name == alg.HeaderName() && !found:
			found, value = true, val
			canon = append(append(append(append(canon, name...), ':'), val...), '\n')
		default:
			return malformedTrailer("unexpected or repeated trailing header " + name)
		}
	}
	if c.cfg.signer != nil {
		if sig == "" {
			return malformedTrailer("the trailer has no " + trailerSignatureHeader)
		}
		sum := sha256.Sum256(canon)
		if !c.cfg.signer.verify("AWS4-HMAC-SHA256-TRAILER", sum[:], []byte(sig)) {
			return newError(KindSignatureMismatch, "The trailer signature we calculated does not match the signature you provided.")
		}
	}
	if alg == "" {
		return nil
	}
	if !found {
		return malformedTrailer("the trailer lacks " + alg.HeaderName() + ", declared in x-amz-trailer")
	}
	return c.verifyChecksum(alg, value)
}
