// Package policy parses, validates and evaluates AWS access policies — IAM identity policies, resource-based
// policies (S3 bucket and SQS queue policies), KMS key policies, role trust policies, permissions boundaries,
// session policies and service control policies — with the semantics AWS documents for them.
//
// Parse turns a JSON document into a compiled *Policy, or a *ValidationError worded as AWS words it;
// Evaluate decides one request against every policy that applies to it and explains the decision. The
// package is pure: no I/O, no clock, no global state. Time enters as aws:CurrentTime / aws:EpochTime in the
// request Context, so callers inject it from their clock.
//
// # Sources
//
// The rules come from the IAM User Guide (reference_policies_grammar, _elements_principal,
// _elements_notprincipal, _elements_condition_operators, _multi-value-conditions,
// _condition-single-vs-multi-valued-context-keys, _variables, _evaluation-logic,
// _evaluation-logic-cross-account, access_policies_boundaries, reference_iam-quotas) and the KMS Developer
// Guide (key-policy-default, policy-evaluation, conditions-kms). Each rule is cited where it is implemented,
// and each case of testdata/cases names the rule it checks.
//
// # Choices where AWS's documents leave room
//
//   - "*" and {"AWS": "*"} name every principal, service principals and anonymous callers included.
//   - A same-account resource policy that names the account (ID or :root) delegates: the identity side must
//     allow. Naming the user or the session itself grants directly; naming the role is limited by the
//     permissions boundary and the session policy; naming the IAM user that called GetFederationToken is
//     limited likewise (IAM UG reference_policies_evaluation-logic, the principal-type table).
//   - Input.ResourceAccount "" means the principal's own account.
//   - Action and Resource wildcards match the whole string (a * may span colons and slashes), as
//     "arn:aws:s3:::bucket/*" and "arn:aws:kms:*:111122223333:key/*" require; AWS describes Resource
//     wildcards per ARN segment, and a * inside a segment that would have to cross a colon is the one case
//     where the two readings differ. Condition ArnLike/ArnEquals do match the six ARN fields separately.
//   - NotPrincipal exempts a request only when every identity AWS evaluates is listed: the account, then the
//     user or role, then the session. Principals with a permissions boundary are never exempted
//     (access_policies_boundaries).
//   - A negated operator without a set operator on a multivalued request key is true only when no request
//     value matches any policy value; ForAnyValue/ForAllValues apply the negated test to each request value
//     ("matches none of the policy values").
//   - A policy variable that cannot be resolved (and has no default) makes the statement inapplicable, for
//     Allow and Deny alike ("causes the statement to be invalid"); multivalued keys cannot be variables.
//   - Context keys derived from the principal (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
//     aws:userid, aws:username, aws:PrincipalServiceName, aws:PrincipalIsAWSService) are supplied from
//     Request.Principal unless the Context sets them.
//   - The root user passes the identity side in its own account (it has no identity policies) but is still
//     bound by SCPs, explicit denies and RequireResourcePolicy (so a key policy that omits the account locks
//     the root user out, as on AWS).
//   - Validation follows IAM's wording for identity, boundary, session and trust policies, KMS's for key
//     policies, S3's for other resource policies. Values that AWS documents as invalid for an operator
//     (a non-number for Numeric*, a non-date for Date*, variables outside String/ARN/Bool) are rejected at
//     parse time. Size quotas are checked by the caller with Quota, because the limit depends on where the
//     document is attached (user, group or role inline, managed, trust, key, bucket, queue, SCP).
//
// # Not modelled
//
// Resource control policies (RCPs), VPC endpoint policies, KMS grants (the kms package checks those), and
// the exemption of service-linked roles from SCPs are outside this package; callers that need them pass the
// corresponding policies or skip the SCPs.
package policy
