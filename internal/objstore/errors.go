package objstore

import "github.com/seclake/seclake/internal/awserr"

// S3's errors, with the codes, statuses and messages of the S3 API reference.

func errNoSuchBucket(bucket string) error {
	return awserr.New("NoSuchBucket", awserr.StatusNotFound, "The specified bucket does not exist").With("BucketName", bucket)
}

func errNoSuchKey(key string) error {
	return awserr.New("NoSuchKey", awserr.StatusNotFound, "The specified key does not exist.").With("Key", key)
}

func errNoSuchUpload(id string) error {
	return awserr.New("NoSuchUpload", awserr.StatusNotFound, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", id)
}

func errBucketExists(bucket string) error {
	return awserr.New("BucketAlreadyOwnedByYou", awserr.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", bucket)
}

func errBucketTaken(bucket string) error {
	return awserr.New("BucketAlreadyExists", awserr.StatusConflict, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", bucket)
}

func errBucketNotEmpty(bucket string) error {
	return awserr.New("BucketNotEmpty", awserr.StatusConflict, "The bucket you tried to delete is not empty").With("BucketName", bucket)
}

func errInvalidBucketName(bucket, why string) error {
	return awserr.New("InvalidBucketName", awserr.StatusBadRequest, "The specified bucket is not valid: %s.", why).With("BucketName", bucket)
}

func errInvalidArgument(name, value, format string, args ...any) error {
	return awserr.New("InvalidArgument", awserr.StatusBadRequest, format, args...).With("ArgumentName", name).With("ArgumentValue", value)
}

func errInvalidRequest(format string, args ...any) error {
	return awserr.New("InvalidRequest", awserr.StatusBadRequest, format, args...)
}

func errMalformedXML() error {
	return awserr.New("MalformedXML", awserr.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema")
}

func errPreconditionFailed(cond string) error {
	return awserr.New("PreconditionFailed", awserr.StatusPreconditionFailed, "At least one of the pre-conditions you specified did not hold").With("Condition", cond)
}

func errInvalidRange(size int64) error {
	return awserr.New("InvalidRange", awserr.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable").
		With("ActualObjectSize", itoa(size))
}

func errBadDigest(what string) error {
	return awserr.New("BadDigest", awserr.StatusBadRequest, "The %s you specified did not match the calculated checksum.", what)
}

func errInvalidDigest() error {
	return awserr.New("InvalidDigest", awserr.StatusBadRequest, "The Content-MD5 you specified was invalid.")
}

func errEntityTooLarge(size, max int64) error {
	return awserr.New("EntityTooLarge", awserr.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size").
		With("ProposedSize", itoa(size)).With("MaxSizeAllowed", itoa(max))
}

func errEntityTooSmall() error {
	return awserr.New("EntityTooSmall", awserr.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size.")
}

func errInvalidPart(detail string) error {
	return awserr.New("InvalidPart", awserr.StatusBadRequest, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag. %s", detail)
}

func errInvalidPartOrder() error {
	return awserr.New("InvalidPartOrder", awserr.StatusBadRequest, "The list of parts was not in ascending order. Parts must be ordered by part number.")
}

func errNoSuchConfig(code, msg, bucket string) error {
	return awserr.New(code, awserr.StatusNotFound, "%s", msg).With("BucketName", bucket)
}

func errAccessDenied(msg string) error { return awsDenied(msg) }

func awsDenied(msg string) *awserr.Error {
	return awserr.New("AccessDenied", awserr.StatusForbidden, "%s", msg)
}

func errNotImplemented(what string) error {
	return awserr.New("NotImplemented", awserr.StatusNotImplemented, "seclake does not implement %s.", what)
}

func errRangeNotSatisfiable(code, msg string) error {
	return awserr.New(code, awserr.StatusRequestedRangeNotSatisfiable, "%s", msg)
}
