package s3

import (
	"context"
	"encoding/xml"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/objstore"
)

// The XML documents of the bucket configurations, as S3's PUT requests carry them and its GET responses return
// them, and their conversions to and from objstore's configuration types. A document that is absent decodes to
// a nil slice or pointer, and the conversions keep it nil: that is how objstore stores an absent element.

// xmlDoc converts a bucket configuration between objstore's type D and its XML document W.
type xmlDoc[D, W any] struct {
	toDomain func(*W) *D
	toXML    func(*D) *W
}

// The documents of the bucket configurations served by bucketConfig.
var (
	encryptionDoc        = xmlDoc[objstore.Encryption, encryptionConfiguration]{(*encryptionConfiguration).domain, encryptionXML}
	publicAccessBlockDoc = xmlDoc[objstore.PublicAccessBlock, publicAccessBlockConfiguration]{(*publicAccessBlockConfiguration).domain, publicAccessBlockXML}
	lifecycleDoc         = xmlDoc[objstore.Lifecycle, lifecycleConfiguration]{(*lifecycleConfiguration).domain, lifecycleXML}
	notificationDoc      = xmlDoc[objstore.Notification, notificationConfiguration]{(*notificationConfiguration).domain, notificationXML}
	replicationDoc       = xmlDoc[objstore.Replication, replicationConfiguration]{(*replicationConfiguration).domain, replicationXML}
	ownershipDoc         = xmlDoc[objstore.OwnershipControls, ownershipControls]{(*ownershipControls).domain, ownershipXML}
)

// ownershipControls is an OwnershipControls document (one rule).
type ownershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	XMLNS   string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

func (d *ownershipControls) domain() *objstore.OwnershipControls {
	if len(d.Rules) != 1 {
		return nil // refused as malformed
	}
	return &objstore.OwnershipControls{ObjectOwnership: d.Rules[0].ObjectOwnership}
}

func ownershipXML(o *objstore.OwnershipControls) *ownershipControls {
	d := &ownershipControls{XMLNS: Namespace}
	d.Rules = append(d.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{o.ObjectOwnership})
	return d
}

type policyStatus struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	NS       string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

func (h *handler) getBucketPolicyStatus(ctx context.Context, c *api.Call, t target) (any, error) {
	public, err := h.s.GetBucketPolicyStatus(ctx, c.Caller, t.bucket)
	if err != nil {
		return nil, err
	}
	return xmlResponse(&policyStatus{NS: Namespace, IsPublic: public}), nil
}

// convertAll converts each element of an optional list; nil stays nil.
func convertAll[A, B any](in []A, f func(A) B) []B {
	if in == nil {
		return nil
	}
	out := make([]B, len(in))
	for i, a := range in {
		out[i] = f(a)
	}
	return out
}

// convertOpt converts an optional element; nil stays nil.
func convertOpt[A, B any](in *A, f func(A) B) *B {
	if in == nil {
		return nil
	}
	out := f(*in)
	return &out
}

// encryptionConfiguration is a ServerSideEncryptionConfiguration.
type encryptionConfiguration struct {
	XMLName xml.Name         `xml:"ServerSideEncryptionConfiguration"`
	XMLNS   string           `xml:"xmlns,attr,omitempty"`
	Rules   []encryptionRule `xml:"Rule"`
}

type encryptionRule struct {
	Default          *encryptionByDefault `xml:"ApplyServerSideEncryptionByDefault,omitempty"`
	BucketKeyEnabled *bool                `xml:"BucketKeyEnabled,omitempty"`
}

type encryptionByDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

func (d *encryptionConfiguration) domain() *objstore.Encryption {
	return &objstore.Encryption{Rules: convertAll(d.Rules, func(r encryptionRule) objstore.EncryptionRule {
		return objstore.EncryptionRule{
			Default:          convertOpt(r.Default, func(e encryptionByDefault) objstore.EncryptionDefault { return objstore.EncryptionDefault(e) }),
			BucketKeyEnabled: r.BucketKeyEnabled,
		}
	})}
}

func encryptionXML(e *objstore.Encryption) *encryptionConfiguration {
	return &encryptionConfiguration{XMLNS: Namespace, Rules: convertAll(e.Rules, func(r objstore.EncryptionRule) encryptionRule {
		return encryptionRule{
			Default:          convertOpt(r.Default, func(e objstore.EncryptionDefault) encryptionByDefault { return encryptionByDefault(e) }),
			BucketKeyEnabled: r.BucketKeyEnabled,
		}
	})}
}

// publicAccessBlockConfiguration is a PublicAccessBlockConfiguration.
type publicAccessBlockConfiguration struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	XMLNS                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

func (d *publicAccessBlockConfiguration) domain() *objstore.PublicAccessBlock {
	return &objstore.PublicAccessBlock{BlockPublicAcls: d.BlockPublicAcls, IgnorePublicAcls: d.IgnorePublicAcls,
		BlockPublicPolicy: d.BlockPublicPolicy, RestrictPublicBuckets: d.RestrictPublicBuckets}
}

func publicAccessBlockXML(p *objstore.PublicAccessBlock) *publicAccessBlockConfiguration {
	return &publicAccessBlockConfiguration{XMLNS: Namespace, BlockPublicAcls: p.BlockPublicAcls, IgnorePublicAcls: p.IgnorePublicAcls,
		BlockPublicPolicy: p.BlockPublicPolicy, RestrictPublicBuckets: p.RestrictPublicBuckets}
}

// tagging is a Tagging document, of a bucket or of an object.
type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	XMLNS   string   `xml:"xmlns,attr,omitempty"`
	TagSet  []tag    `xml:"TagSet>Tag"`
}

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func domainTag(t tag) objstore.Tag { return objstore.Tag(t) }

func xmlTag(t objstore.Tag) tag { return tag(t) }

func (d *tagging) tags() []objstore.Tag { return convertAll(d.TagSet, domainTag) }

func taggingXML(tags []objstore.Tag) *tagging {
	return &tagging{XMLNS: Namespace, TagSet: convertAll(tags, xmlTag)}
}
