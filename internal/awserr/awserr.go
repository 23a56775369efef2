// Package awserr holds the AWS error value: the code, HTTP status and message a client sees.
//
// Domain packages return *Error for every failure a caller can act on; the wire layer (awsproto) renders it in
// the protocol of the service that was called. Any other error that reaches the edge is an internal failure: it
// is logged with its cause and the client sees only a generic InternalFailure.
package awserr

import (
	"errors"
	"fmt"
)

// The HTTP statuses of AWS errors. Domain packages build errors with these and never import net/http; the wire
// layer writes them.
const (
	StatusBadRequest                   = 400
	StatusForbidden                    = 403
	StatusNotFound                     = 404
	StatusMethodNotAllowed             = 405
	StatusConflict                     = 409
	StatusPreconditionFailed           = 412
	StatusRequestEntityTooLarge        = 413
	StatusRequestedRangeNotSatisfiable = 416
	StatusTooManyRequests              = 429
	StatusInternalServerError          = 500
	StatusNotImplemented               = 501
	StatusServiceUnavailable           = 503
)

// Error is an error as AWS reports it.
type Error struct {
	// Code is the error code as the service's model spells it (for example "NotFoundException", "NoSuchBucket").
	Code string
	// Message is the human-readable text; it tells the caller what went wrong and what to do.
	Message string
	// Status is the HTTP status code.
	Status int
	// Server marks faults of the service rather than of the request ("Receiver" in the Query protocol).
	Server bool
	// QueryCode is the error code of query-compatible JSON services (the x-amzn-query-error header), for
	// example "AWS.SimpleQueueService.NonExistentQueue". Empty for other services.
	QueryCode string
	// Fields are extra elements some services add to the error body (S3's BucketName, Key, StringToSign, …),
	// in the order they should be written.
	Fields []Field
	// Headers are extra HTTP headers of the error response (Allow, Retry-After), as some error shapes bind
	// members to headers.
	Headers []Field
}

// Field is one extra name/value element of an error body.
type Field struct {
	Name, Value string
}

// Error returns "Code: Message".
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// With returns a copy of e with an extra body field.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Fields = append(append([]Field(nil), e.Fields...), Field{name, value})
	return &c
}

// WithHeader returns a copy of e with an extra response header.
func (e *Error) WithHeader(name, value string) *Error {
	c := *e
	c.Headers = append(append([]Field(nil), e.Headers...), Field{name, value})
	return &c
}

// New returns an error with the given code, status and message (formatted as by fmt.Sprintf).
func New(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status}
}

// As reports whether err is or wraps an *Error and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Internal is the error a client sees for a failure inside seclake; the cause is logged, never sent.
func Internal() *Error {
	return &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure. Details are in the server log under this request ID.", Status: StatusInternalServerError, Server: true}
}

// Common errors shared by the JSON and Query services. Service-specific errors live with their service.

// Validation returns the ValidationException that JSON services use for malformed parameters.
func Validation(format string, args ...any) *Error {
	return New("ValidationException", StatusBadRequest, format, args...)
}

// AccessDenied returns the AccessDeniedException of JSON services.
func AccessDenied(format string, args ...any) *Error {
	return New("AccessDeniedException", StatusBadRequest, format, args...)
}
