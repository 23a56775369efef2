package trail

import "github.com/seclake/seclake/internal/awserr"

// ctError returns a CloudTrail client error (HTTP 400, as CloudTrail's client errors are).
func ctError(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, awserr.StatusBadRequest, format, args...)
}

func errTrailNotFound(arn, account string) error {
	return ctError("TrailNotFoundException", "Unknown trail: %s for the user: %s", arn, account)
}

func errTrailExists(name, account string) error {
	return ctError("TrailAlreadyExistsException", "Trail %s already exists for customer: %s", name, account)
}

func errInvalidName(format string, args ...any) error {
	return ctError("InvalidTrailNameException", format, args...)
}

func errInvalidARN(arn string) error {
	return ctError("CloudTrailARNInvalidException",
		"Invalid trail ARN: %s. A trail ARN looks like arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.", arn)
}

func errHomeRegion(region string) error {
	return ctError("InvalidHomeRegionException",
		"This operation must be called from the trail's home region, %s.", region)
}

func errTooManyTrails(account, region string) error {
	return ctError("MaximumNumberOfTrailsExceededException",
		"User: %s already has %d trails in %s (multi-region trails count in every region).", account, MaxTrailsPerRegion, region)
}

func errUnsupported(format string, args ...any) error {
	return ctError("UnsupportedOperationException", format, args...)
}

func errInvalidParameter(format string, args ...any) error {
	return ctError("InvalidParameterException", format, args...)
}

func errInvalidSelectors(format string, args ...any) error {
	return ctError("InvalidEventSelectorsException", format, args...)
}

func errInvalidPrefix(prefix string) error {
	return ctError("InvalidS3PrefixException",
		"Invalid S3 prefix %q: a prefix is at most 200 characters and does not start with '/'.", prefix)
}

func errInvalidBucketName(msg string) error {
	return ctError("InvalidS3BucketNameException", "%s", msg)
}

func errBucketMissing(bucket string) error {
	return ctError("S3BucketDoesNotExistException", "S3 bucket %s does not exist.", bucket)
}

func errInvalidKeyID(keyID string) error {
	return ctError("InvalidKmsKeyIdException", "KMS key ID %s is not valid: give a key ID, a key ARN, an alias name or an alias ARN.", keyID)
}

func errTimeRange(format string, args ...any) error {
	return ctError("InvalidTimeRangeException", format, args...)
}

func errNextToken() error {
	return ctError("InvalidNextTokenException", "The NextToken is not valid.")
}
