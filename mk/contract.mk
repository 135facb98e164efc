# `make contract`: the API's contract as committed files (docs/contract.md). Included by the root Makefile.
#
#   1. the standalone app's OpenAPI document, every feature on, fixed settings (python -m authgate.contract), and the
#      route table docs/api-routes.md rendered from it;
#   2. the kit's types from that document: generated/api.ts (openapi-typescript) and generated/errorCodes.ts.
# backend/tests/contract and the kit's test/contract.test.ts fail while a committed file differs from a fresh run.

KIT_GENERATED := frontend/packages/docusaurus-plugin-authgate/src/client/generated

.PHONY: contract

contract: backend-install frontend-install
	cd backend && $(abspath $(PY)) -m authgate.contract $(abspath $(KIT_GENERATED))/openapi.json $(abspath docs/api-routes.md)
	node frontend/packages/docusaurus-plugin-authgate/scripts/contract.mjs
