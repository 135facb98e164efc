#!/usr/bin/env bash
# The kit as a site owner gets it: `npm pack` of the plugin, installed into a fresh Docusaurus 3 site (its own
# package.json, dependencies from the registry), configured with the lines the READMEs give, then built.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap '[[ ${KEEP:-} ]] || rm -rf "$work"' EXIT
say() { printf 'pack-test: %s\n' "$*" >&2; }

# prepack builds lib/ (a tarball without it was what a fresh clone used to give)
(cd "$here/packages/docusaurus-plugin-authgate" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$(ls "$work"/docusaurus-plugin-authgate-*.tgz)
listing=$(tar tzf "$tarball")
for file in package/lib/index.js package/lib/client/index.js package/lib/theme/Root.js package/lib/styles.css; do
  grep -qx "$file" <<<"$listing" || { say "FAIL: $file is not in the tarball"; exit 1; }
done

site="$work/site"
mkdir -p "$site/docs" "$site/static" "$site/src/pages"
printf '# A fresh site\n\nRead the [docs](/docs/intro).\n' >"$site/src/pages/index.md"
touch "$site/static/.keep"
cat >"$site/package.json" <<JSON
{
  "name": "fresh-site",
  "private": true,
  "dependencies": {
    "@docusaurus/core": "3.10.2",
    "@docusaurus/preset-classic": "3.10.2",
    "@mdx-js/react": "^3.1.1",
    "docusaurus-plugin-authgate": "file:$tarball",
    "react": "^19.2.0",
    "react-dom": "^19.2.0"
  }
}
JSON
cat >"$site/docusaurus.config.js" <<'JS'
export default {
  title: 'A fresh site',
  url: 'http://localhost',
  baseUrl: '/',
  presets: [['classic', {docs: {routeBasePath: 'docs'}, blog: false}]],
  plugins: [['docusaurus-plugin-authgate', {apiBaseUrl: 'http://localhost:8000'}]],
  themeConfig: {navbar: {items: [{type: 'custom-authgate', position: 'right'}]}},
};
JS
cat >"$site/docs/intro.md" <<'MD'
# Welcome

<SignedOut>Sign in to see the notes for your level.</SignedOut>
<ForExperience level="beginner">The plain-language version.</ForExperience>
MD
# a members-only block (docs/members-only.md): cut out of build/, written to build-members/
cat >"$site/docs/solutions.md" <<'MD'
---
description: Solutions, for members.
---
# Solutions

<MembersOnly rule="level:advanced" teaser="The worked solution.">

PACK-TEST-MEMBERS-MARKER: the answer is 42.

</MembersOnly>
MD
(cd "$site" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$site" && npx docusaurus build >"$work/build.log" 2>&1) || { tail -n 40 "$work/build.log" >&2; say "FAIL: build"; exit 1; }
for page in auth/login auth/signup auth/account auth/complete-profile docs/intro; do
  [[ -f $site/build/$page/index.html ]] || { say "FAIL: $page was not built"; exit 1; }
done
if grep -rq PACK-TEST-MEMBERS-MARKER "$site/build"; then say "FAIL: members-only text in build/"; exit 1; fi
grep -rq PACK-TEST-MEMBERS-MARKER "$site/build-members" || { say "FAIL: no members-only artefact in build-members/"; exit 1; }
say "ok: the packed plugin installs into a fresh Docusaurus site and builds ($(basename "$tarball"))"
