package iam

import (
	"sort"
	"time"
)

// awsPolicy is one AWS managed policy seclake ships.
type awsPolicy struct {
	name, path, id, description, doc string
}

// awsPolicies are the AWS managed policies seclake knows. The documents of AdministratorAccess, PowerUserAccess,
// IAMFullAccess, IAMReadOnlyAccess and the service-wide S3, SQS and KMS policies follow AWS's published
// documents; the policy IDs are seclake's. The two
// Security Lake service-linked role policies grant what seclake's Security Lake does as those roles (S3, KMS,
// SQS, Glue, EventBridge and Lake Formation on the account's lake resources), and Lake Formation's data access
// role policy grants reading the lake's buckets for the queries Lake Formation serves; they are not AWS's
// text, which also covers services seclake does not run.
var awsPolicies = []awsPolicy{
	{"AdministratorAccess", "/", "ANPAIWMBCKSKIEE64ZLYK", "Provides full access to AWS services and resources.",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{"PowerUserAccess", "/", "ANPAJYRXTHIB4FOVS3ZXS", "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},` +
			`{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions","account:GetAccountInformation"],"Resource":"*"}]}`},
	{"IAMFullAccess", "/", "ANPAI7XKCFMBPM3QQRRVQ", "Provides full access to IAM via the AWS Management Console.",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}`},
	{"IAMReadOnlyAccess", "/", "ANPAJKSO7NDY4T57MWDSQ", "Provides read only access to IAM via the AWS Management Console.",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`},
	{"AmazonS3FullAccess", "/", "ANPAIFIR6V6BVTRAHWINE", "Provides full access to all buckets via the AWS Management Console.",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}`},
	{"AmazonS3ReadOnlyAccess", "/", "ANPAIZTJ4DXE7G6AGAE6M", "Provides read only access to all buckets via the AWS Management Console.",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}`},
	{"AmazonSQSFullAccess", "/", "ANPAI65L554VRJ33ECQS6", "Provides full access to Amazon SQS via the AWS Management Console.",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:*"],"Resource":"*"}]}`},
	{"AWSKeyManagementServicePowerUser", "/", "ANPAJNPP7PPPPMJRV2SA4", "Provides access to AWS Key Management Service (KMS).",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:CreateAlias","kms:CreateKey","kms:DeleteAlias","kms:Describe*","kms:GenerateRandom","kms:Get*","kms:List*","kms:TagResource","kms:UntagResource","iam:ListGroups","iam:ListRoles","iam:ListUsers"],"Resource":"*"}]}`},
	{"SecurityLakeServiceLinkedRole", "/aws-service-role/", "ANPAQSLSERVICELINKED01", "Security Lake service-linked role policy (seclake's grant for what its Security Lake does as this role).",
		`{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"LakeBuckets","Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::aws-security-data-lake-*","arn:aws:s3:::aws-security-data-lake-*/*"]},` +
			`{"Sid":"LakeKeys","Effect":"Allow","Action":["kms:CreateGrant","kms:DescribeKey","kms:Encrypt","kms:Decrypt","kms:GenerateDataKey*","kms:ReEncrypt*"],"Resource":"*"},` +
			`{"Sid":"LakeCatalog","Effect":"Allow","Action":["glue:*","lakeformation:*"],"Resource":"*"},` +
			`{"Sid":"LakeNotifications","Effect":"Allow","Action":["sqs:*","events:*"],"Resource":["arn:aws:sqs:*:*:AmazonSecurityLake-*","arn:aws:sqs:*:*:SecurityLake_*","arn:aws:events:*:*:rule/AmazonSecurityLake-*","arn:aws:events:*:*:event-bus/default"]}]}`},
	{"LakeFormationDataAccessServiceRolePolicy", "/aws-service-role/", "ANPAQLFDATAACCESS0001", "Lake Formation data access service-linked role policy (seclake's grant for what its Lake Formation reads as this role).",
		`{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"ListBuckets","Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":"*"},` +
			`{"Sid":"ReadLakeBuckets","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::aws-security-data-lake-*","arn:aws:s3:::aws-security-data-lake-*/*"]},` +
			`{"Sid":"LakeKeys","Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"*"}]}`},
	{"SecurityLakeResourceManagementServiceRolePolicy", "/aws-service-role/", "ANPAQSLRESOURCEMGMT01", "Security Lake resource-management service-linked role policy (seclake's grant for what its Security Lake does as this role: the lake's own objects; the lake key's policy grants the key, as the guide's \"Allow SLR\" statement does).",
		`{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"ManageLakeObjects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::aws-security-data-lake-*/*"],"Condition":{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}"}}},` +
			`{"Sid":"ListLakeBuckets","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::aws-security-data-lake-*"],"Condition":{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}"}}}]}`},
}

// awsPolicyEpoch is the creation date seclake reports for every AWS managed policy.
var awsPolicyEpoch = time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)

func (a awsPolicy) managed() *ManagedPolicy {
	return &ManagedPolicy{Account: "aws", Name: a.name, Path: a.path, ID: a.id, Description: a.description,
		Created: awsPolicyEpoch, Updated: awsPolicyEpoch, DefaultVersion: "v1", NextVersion: 2,
		Versions: []PolicyVersion{{ID: "v1", Document: a.doc, Created: awsPolicyEpoch}}}
}

// awsManaged returns the AWS managed policy with the given ARN, or nil.
func awsManaged(arn string) *ManagedPolicy {
	for _, a := range awsPolicies {
		if "arn:aws:iam::aws:policy"+a.path+a.name == arn {
			return a.managed()
		}
	}
	return nil
}

// awsManagedList returns every AWS managed policy, in name order.
func awsManagedList() []*ManagedPolicy {
	out := make([]*ManagedPolicy, 0, len(awsPolicies))
	for _, a := range awsPolicies {
		out = append(out, a.managed())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
