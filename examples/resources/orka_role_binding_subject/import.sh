# A subject is imported by namespace, kind and name; a service account of another namespace
# also names its namespace.
terraform import orka_role_binding_subject.dev orka-ios/user/dev@example.com
terraform import orka_role_binding_subject.ci_in_ios orka-ios/service_account/orka-ci/github-actions
