package s3

import (
	"encoding/xml"

	"github.com/seclake/seclake/internal/objstore"
)

// replicationConfiguration is a ReplicationConfiguration.
type replicationConfiguration struct {
	XMLName xml.Name          `xml:"ReplicationConfiguration"`
	XMLNS   string            `xml:"xmlns,attr,omitempty"`
	Role    string            `xml:"Role"`
	Rules   []replicationRule `xml:"Rule"`
}

type replicationRule struct {
	ID                      string                   `xml:"ID,omitempty"`
	Priority                *int                     `xml:"Priority,omitempty"`
	Prefix                  *string                  `xml:"Prefix,omitempty"`
	Filter                  *ruleFilter              `xml:"Filter,omitempty"`
	Status                  string                   `xml:"Status"`
	SourceSelectionCriteria *sourceSelectionCriteria `xml:"SourceSelectionCriteria,omitempty"`
	Destination             replicationDestination   `xml:"Destination"`
	DeleteMarkerReplication *statusElement           `xml:"DeleteMarkerReplication,omitempty"`
}

type sourceSelectionCriteria struct {
	SseKmsEncryptedObjects *statusElement `xml:"SseKmsEncryptedObjects,omitempty"`
}

type replicationDestination struct {
	Bucket                  string                   `xml:"Bucket"`
	Account                 string                   `xml:"Account,omitempty"`
	StorageClass            string                   `xml:"StorageClass,omitempty"`
	EncryptionConfiguration *replicaEncryptionConfig `xml:"EncryptionConfiguration,omitempty"`
}

type replicaEncryptionConfig struct {
	ReplicaKmsKeyID string `xml:"ReplicaKmsKeyID"`
}

// statusElement is an element whose only child is Status ("Enabled" or "Disabled").
type statusElement struct {
	Status string `xml:"Status"`
}

func domainSwitch(s statusElement) objstore.ReplicationSwitch { return objstore.ReplicationSwitch(s) }

func xmlSwitch(s objstore.ReplicationSwitch) statusElement { return statusElement(s) }

func (d *replicationConfiguration) domain() *objstore.Replication {
	return &objstore.Replication{Role: d.Role, Rules: convertAll(d.Rules, func(r replicationRule) objstore.ReplicationRule {
		return objstore.ReplicationRule{
			ID:       r.ID,
			Priority: r.Priority,
			Prefix:   r.Prefix,
			Filter:   convertOpt(r.Filter, domainFilter),
			Status:   r.Status,
			SourceSelectionCriteria: convertOpt(r.SourceSelectionCriteria, func(c sourceSelectionCriteria) objstore.ReplicationSourceSelection {
				return objstore.ReplicationSourceSelection{SseKmsEncryptedObjects: convertOpt(c.SseKmsEncryptedObjects, domainSwitch)}
			}),
			Destination: objstore.ReplicationDestination{
				Bucket:       r.Destination.Bucket,
				Account:      r.Destination.Account,
				StorageClass: r.Destination.StorageClass,
				EncryptionConfiguration: convertOpt(r.Destination.EncryptionConfiguration, func(e replicaEncryptionConfig) objstore.ReplicationEncryption {
					return objstore.ReplicationEncryption(e)
				}),
			},
			DeleteMarkerReplication: convertOpt(r.DeleteMarkerReplication, domainSwitch),
		}
	})}
}

func replicationXML(rc *objstore.Replication) *replicationConfiguration {
	return &replicationConfiguration{XMLNS: Namespace, Role: rc.Role, Rules: convertAll(rc.Rules, func(r objstore.ReplicationRule) replicationRule {
		return replicationRule{
			ID:       r.ID,
			Priority: r.Priority,
			Prefix:   r.Prefix,
			Filter:   convertOpt(r.Filter, xmlFilter),
			Status:   r.Status,
			SourceSelectionCriteria: convertOpt(r.SourceSelectionCriteria, func(c objstore.ReplicationSourceSelection) sourceSelectionCriteria {
				return sourceSelectionCriteria{SseKmsEncryptedObjects: convertOpt(c.SseKmsEncryptedObjects, xmlSwitch)}
			}),
			Destination: replicationDestination{
				Bucket:       r.Destination.Bucket,
				Account:      r.Destination.Account,
				StorageClass: r.Destination.StorageClass,
				EncryptionConfiguration: convertOpt(r.Destination.EncryptionConfiguration, func(e objstore.ReplicationEncryption) replicaEncryptionConfig {
					return replicaEncryptionConfig(e)
				}),
			},
			DeleteMarkerReplication: convertOpt(r.DeleteMarkerReplication, xmlSwitch),
		}
	})}
}
