# Front end: the docusaurus-plugin-authgate package, its example site, unit tests and browser tests.
# Included by the root Makefile, which defines VENV, PY and backend-install.
#
#   make frontend-install   npm ci (frontend workspaces)
#   make frontend-build     build the plugin and the example site (API origin: AUTHGATE_API_URL)
#   make frontend-unit      type-check (tsc) and vitest
#   make e2e                site + API on PostgreSQL + chromium; fails in CI when a piece is missing
#   make demo               the API and the built site; SITE_PORT / API_PORT override 3000 / 8000

SITE_PORT ?= 3000
API_PORT ?= 8000
AUTHGATE_API_URL ?= http://localhost:$(API_PORT)
CHROMIUM ?= /usr/bin/chromium
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

.PHONY: frontend-install frontend-build frontend-unit e2e e2e-install chromium demo pack-test

# npm ci only when the lock file changed since the last install (npm writes node_modules/.package-lock.json)
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && $(NPM_CI)
	touch $@

e2e/node_modules/.package-lock.json: e2e/package-lock.json
	cd e2e && $(NPM_CI)
	touch $@

frontend-install: frontend/node_modules/.package-lock.json

e2e-install: e2e/node_modules/.package-lock.json

frontend-build: frontend-install
	cd frontend && npm run --silent build:plugin
	cd frontend/site && AUTHGATE_API_URL=$(AUTHGATE_API_URL) npx docusaurus build

frontend-unit: frontend-install
	cd frontend && npm run --silent typecheck && npx vitest run

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "chromium missing: apt-get install -y chromium"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
			|| { [ "$$CI" = true ] && { echo "FAIL: could not install chromium"; exit 1; } || echo "chromium not installed"; }; \
	fi
	@# the Urdu pages' letters in screenshots (e2e/tests/i18n.test.mjs); without the font they show as boxes
	@fc-list 2>/dev/null | grep -q 'Noto Naskh Arabic' \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-core) \
		|| echo "fonts-noto-core not installed: Urdu letters may show as boxes in the screenshots"

e2e: backend-install frontend-build e2e-install chromium
	SITE_PORT=$(SITE_PORT) API_PORT=$(API_PORT) VENV=$(VENV) CHROMIUM=$(CHROMIUM) bash e2e/stack.sh test

demo: backend-install frontend-build
	SITE_PORT=$(SITE_PORT) API_PORT=$(API_PORT) VENV=$(VENV) bash e2e/stack.sh demo

# `npm pack` of the plugin, installed into a fresh Docusaurus site and built (as a site owner would get it)
pack-test: frontend-install
	bash frontend/pack-test.sh
