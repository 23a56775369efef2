package s3

import (
	"net/http"
	"net/http/httptest"
)

func newRequest(method, url string) *http.Request { return httptest.NewRequest(method, url, nil) }
