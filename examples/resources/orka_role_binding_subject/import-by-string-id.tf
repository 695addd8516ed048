import {
  to = orka_role_binding_subject.dev
  id = "orka-ios/user/dev@example.com"
}

import {
  to = orka_role_binding_subject.ci_in_ios
  id = "orka-ios/service_account/orka-ci/github-actions"
}
