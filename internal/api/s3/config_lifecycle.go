package s3

import (
	"encoding/xml"

	"github.com/seclake/seclake/internal/objstore"
)

// lifecycleConfiguration is a LifecycleConfiguration.
type lifecycleConfiguration struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration"`
	XMLNS   string          `xml:"xmlns,attr,omitempty"`
	Rules   []lifecycleRule `xml:"Rule"`
}

type lifecycleRule struct {
	ID                             string                       `xml:"ID,omitempty"`
	Prefix                         *string                      `xml:"Prefix,omitempty"`
	Filter                         *ruleFilter                  `xml:"Filter,omitempty"`
	Status                         string                       `xml:"Status"`
	Expiration                     *lifecycleExpiration         `xml:"Expiration,omitempty"`
	Transitions                    []lifecycleTransition        `xml:"Transition,omitempty"`
	AbortIncompleteMultipartUpload *abortIncompleteUpload       `xml:"AbortIncompleteMultipartUpload,omitempty"`
	NoncurrentVersionExpiration    *noncurrentVersionExpiration `xml:"NoncurrentVersionExpiration,omitempty"`
}

type lifecycleExpiration struct {
	Days                      *int   `xml:"Days,omitempty"`
	Date                      string `xml:"Date,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

type lifecycleTransition struct {
	Days         int    `xml:"Days,omitempty"`
	Date         string `xml:"Date,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

type abortIncompleteUpload struct {
	DaysAfterInitiation int `xml:"DaysAfterInitiation"`
}

type noncurrentVersionExpiration struct {
	NoncurrentDays          int `xml:"NoncurrentDays"`
	NewerNoncurrentVersions int `xml:"NewerNoncurrentVersions,omitempty"`
}

// ruleFilter is the Filter of a lifecycle or replication rule.
type ruleFilter struct {
	Prefix                *string  `xml:"Prefix,omitempty"`
	Tag                   *tag     `xml:"Tag,omitempty"`
	ObjectSizeGreaterThan *int64   `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64   `xml:"ObjectSizeLessThan,omitempty"`
	And                   *ruleAnd `xml:"And,omitempty"`
}

type ruleAnd struct {
	Prefix                *string `xml:"Prefix,omitempty"`
	Tags                  []tag   `xml:"Tag,omitempty"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan,omitempty"`
}

func (d *lifecycleConfiguration) domain() *objstore.Lifecycle {
	return &objstore.Lifecycle{Rules: convertAll(d.Rules, func(r lifecycleRule) objstore.LifecycleRule {
		return objstore.LifecycleRule{
			ID:     r.ID,
			Prefix: r.Prefix,
			Filter: convertOpt(r.Filter, domainFilter),
			Status: r.Status,
			Expiration: convertOpt(r.Expiration, func(e lifecycleExpiration) objstore.LifecycleExpiration {
				out := objstore.LifecycleExpiration{Date: e.Date, ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker, DaysGiven: e.Days != nil}
				if e.Days != nil {
					out.Days = *e.Days
				}
				return out
			}),
			Transitions: convertAll(r.Transitions, func(t lifecycleTransition) objstore.LifecycleTransition {
				return objstore.LifecycleTransition(t)
			}),
			AbortIncompleteMultipartUpload: convertOpt(r.AbortIncompleteMultipartUpload, func(a abortIncompleteUpload) objstore.LifecycleAbortUpload {
				return objstore.LifecycleAbortUpload(a)
			}),
			NoncurrentVersionExpiration: convertOpt(r.NoncurrentVersionExpiration, func(e noncurrentVersionExpiration) objstore.LifecycleNoncurrentExpiration {
				return objstore.LifecycleNoncurrentExpiration(e)
			}),
		}
	})}
}

func lifecycleXML(l *objstore.Lifecycle) *lifecycleConfiguration {
	return &lifecycleConfiguration{XMLNS: Namespace, Rules: convertAll(l.Rules, func(r objstore.LifecycleRule) lifecycleRule {
		return lifecycleRule{
			ID:     r.ID,
			Prefix: r.Prefix,
			Filter: convertOpt(r.Filter, xmlFilter),
			Status: r.Status,
			Expiration: convertOpt(r.Expiration, func(e objstore.LifecycleExpiration) lifecycleExpiration {
				out := lifecycleExpiration{Date: e.Date, ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
				if e.Days != 0 || e.DaysGiven {
					out.Days = &e.Days
				}
				return out
			}),
			Transitions: convertAll(r.Transitions, func(t objstore.LifecycleTransition) lifecycleTransition {
				return lifecycleTransition(t)
			}),
			AbortIncompleteMultipartUpload: convertOpt(r.AbortIncompleteMultipartUpload, func(a objstore.LifecycleAbortUpload) abortIncompleteUpload {
				return abortIncompleteUpload(a)
			}),
			NoncurrentVersionExpiration: convertOpt(r.NoncurrentVersionExpiration, func(e objstore.LifecycleNoncurrentExpiration) noncurrentVersionExpiration {
				return noncurrentVersionExpiration(e)
			}),
		}
	})}
}

func domainFilter(f ruleFilter) objstore.LifecycleFilter {
	return objstore.LifecycleFilter{
		Prefix:                f.Prefix,
		Tag:                   convertOpt(f.Tag, domainTag),
		ObjectSizeGreaterThan: f.ObjectSizeGreaterThan,
		ObjectSizeLessThan:    f.ObjectSizeLessThan,
		And: convertOpt(f.And, func(a ruleAnd) objstore.LifecycleAnd {
			return objstore.LifecycleAnd{Prefix: a.Prefix, Tags: convertAll(a.Tags, domainTag),
				ObjectSizeGreaterThan: a.ObjectSizeGreaterThan, ObjectSizeLessThan: a.ObjectSizeLessThan}
		}),
	}
}

func xmlFilter(f objstore.LifecycleFilter) ruleFilter {
	return ruleFilter{
		Prefix:                f.Prefix,
		Tag:                   convertOpt(f.Tag, xmlTag),
		ObjectSizeGreaterThan: f.ObjectSizeGreaterThan,
		ObjectSizeLessThan:    f.ObjectSizeLessThan,
		And: convertOpt(f.And, func(a objstore.LifecycleAnd) ruleAnd {
			return ruleAnd{Prefix: a.Prefix, Tags: convertAll(a.Tags, xmlTag),
				ObjectSizeGreaterThan: a.ObjectSizeGreaterThan, ObjectSizeLessThan: a.ObjectSizeLessThan}
		}),
	}
}
