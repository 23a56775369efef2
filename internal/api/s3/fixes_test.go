package s3

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/objstore"
)

// TestURLEncodingTypeAsS3: encoding-type=url keeps "/" and writes a space as %20, as S3 does.
func TestURLEncodingTypeAsS3(t *testing.T) {
	_, enc, err := listParams(url.Values{"encoding-type": {"url"}}, "b")
	require.NoError(t, err)
	require.Equal(t, "logs/a%20b/c%2Bd%26e%3D%C3%A9~x_y-z.gz", enc("logs/a b/c+d&e=é~x_y-z.gz"))
}

// TestTaggingHeaderKeepsOrder: the tags of x-amz-tagging keep the order they were given in.
func TestTaggingHeaderKeepsOrder(t *testing.T) {
	tags, err := tagsHeader("zeta=1&alpha=2&mid=a%20b&empty=")
	require.NoError(t, err)
	require.Equal(t, []objstore.Tag{{Key: "zeta", Value: "1"}, {Key: "alpha", Value: "2"}, {Key: "mid", Value: "a b"}, {Key: "empty", Value: ""}}, tags)
	_, err = tagsHeader("a=1&a=2")
	require.ErrorContains(t, err, "InvalidTag")
}
