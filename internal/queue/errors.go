package queue

import (
	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
)

// sqsError returns an SQS error: code is the model's shape name (the JSON protocol's __type), query the code
// of the Query protocol (also the JSON protocol's x-amzn-query-error header, which boto3 reports).
func sqsError(code, query, format string, args ...any) *awserr.Error {
	e := awserr.New(code, awserr.StatusBadRequest, format, args...)
	e.QueryCode = query
	return e
}

func errNoQueue(url string) *awserr.Error {
	return sqsError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
		"The specified queue does not exist: %s. Check the queue URL (http://<host>/<account>/<queue name>), or list your queues with ListQueues.", url)
}

func errInvalidParameter(format string, args ...any) *awserr.Error {
	return sqsError("InvalidParameterValueException", "InvalidParameterValue", format, args...)
}

func errMissing(name string) *awserr.Error {
	return sqsError("MissingRequiredParameterException", "MissingParameter", "The request must contain the parameter %s.", name)
}

func errAttributeValue(format string, args ...any) *awserr.Error {
	return sqsError("InvalidAttributeValue", "InvalidAttributeValue", format, args...)
}

func errAttributeName(format string, args ...any) *awserr.Error {
	return sqsError("InvalidAttributeName", "InvalidAttributeName", format, args...)
}

func errReceiptHandle(handle string) *awserr.Error {
	return sqsError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle of this queue.", clip(handle, 64))
}

func errNotInflight() *awserr.Error {
	return sqsError("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight",
		"The message referred to is not in flight: it was deleted, or received again with another receipt handle.")
}

func errUnsupported(format string, args ...any) *awserr.Error {
	return sqsError("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", format, args...)
}

// Errors of batch requests.
func errEmptyBatch() *awserr.Error {
	return sqsError("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one entry in the request.")
}

func errTooManyEntries(n int) *awserr.Error {
	return sqsError("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
		"Maximum number of entries per request are %d. You have sent %d.", MaxBatch, n)
}

func errIDsNotDistinct(id string) *awserr.Error {
	return sqsError("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id %s repeated.", id)
}

func errBatchEntryID(id string) *awserr.Error {
	return sqsError("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId",
		"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long: %q.", clip(id, 90))
}

func errBatchTooLong(n, max int) *awserr.Error {
	return sqsError("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong",
		"Batch requests cannot be longer than %d bytes. You have sent %d bytes.", max, n)
}

// refusal is SQS's answer to a denied request: AccessDenied, 403.
var refusal = actor.Refusal{Code: "AccessDenied", Status: awserr.StatusForbidden}

// denied gives a denial SQS's query code as well.
func denied(d *actor.Denial) *actor.Denial {
	d.Err.QueryCode = "AccessDenied"
	return d
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
