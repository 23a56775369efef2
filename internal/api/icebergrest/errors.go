package icebergrest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/datacatalog"
)

// errorModel is the Iceberg REST ErrorModel inside its IcebergErrorResponse.
type errorModel struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
}

// icebergError maps seclake's error (Glue's codes, the edge's authentication errors) to the Iceberg REST
// catalog's type and status.
func icebergError(e *awserr.Error) (string, int) {
	switch e.Code {
	case "AccessDeniedException", "AccessDenied":
		return "ForbiddenException", http.StatusForbidden
	case "EntityNotFoundException":
		if datacatalog.IsNoDatabase(e) {
			return "NoSuchNamespaceException", http.StatusNotFound
		}
		return "NoSuchTableException", http.StatusNotFound
	case "AlreadyExistsException":
		return "AlreadyExistsException", http.StatusConflict
	case "ConcurrentModificationException":
		return "CommitFailedException", http.StatusConflict
	case "InvalidInputException":
		if strings.Contains(e.Message, "is not empty") {
			return "NamespaceNotEmptyException", http.StatusConflict
		}
		return "BadRequestException", http.StatusBadRequest
	case "SerializationException", "ValidationException":
		return "BadRequestException", http.StatusBadRequest
	case "UnknownOperationException":
		return "NotFoundException", http.StatusNotFound
	case "MethodNotAllowedException":
		return "MethodNotAllowedException", http.StatusMethodNotAllowed
	case "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken",
		"InvalidSignatureException", "IncompleteSignatureException", "IncompleteSignature", "SignatureDoesNotMatch",
		"MissingAuthenticationToken", "MissingAuthenticationTokenException", "RequestTimeTooSkewed":
		return "NotAuthorizedException", http.StatusUnauthorized
	case "InternalFailure", "InternalError":
		return "InternalServerError", http.StatusInternalServerError
	}
	switch {
	case e.Status == http.StatusForbidden || e.Status == http.StatusUnauthorized:
		return "NotAuthorizedException", http.StatusUnauthorized // SigV4 failures: unknown key, bad signature
	case e.Status >= 500:
		return "InternalServerError", e.Status
	case e.Status == 0:
		return e.Code, http.StatusBadRequest
	}
	return e.Code, e.Status
}

// writeError writes e in the Iceberg REST error model.
func writeError(w http.ResponseWriter, e *awserr.Error, requestID string) int {
	typ, status := icebergError(e)
	h := w.Header()
	for _, f := range e.Headers {
		h.Add(f.Name, f.Value)
	}
	h.Set("x-amzn-RequestId", requestID)
	h.Set("Content-Type", "application/json")
	b, _ := json.Marshal(map[string]errorModel{"error": {Message: e.Message, Type: typ, Code: status}})
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}
