// Check Cypher statements with Neo4j's own Cypher 5 parser and semantic analyser
// (@neo4j-cypher/language-support, lintCypherQuery), offline.
//
// Usage: node lint.mjs statements.json
//   statements.json = { "schema": {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...]},
//                       "statements": [{"id": "...", "query": "...", "parameters": {...}}, ...] }
// Prints one JSON object: {"checked": N, "diagnostics": [{id, severity, message, offset}...]}.
// Exit code 1 if any diagnostic is an error (severity 1), 0 otherwise. Parameters a statement
// declares are passed to the analyser, so an undeclared parameter is reported as an error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The package's ESM build has extension-less imports node cannot resolve; its CJS build works.
const { lintCypherQuery } = createRequire(import.meta.url)('@neo4j-cypher/language-support');

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const base = input.schema ?? {};
const out = [];
for (const st of input.statements) {
  const dbSchema = { ...base, parameters: st.parameters ?? {} };
  for (const d of lintCypherQuery(st.query, dbSchema)) {
    out.push({ id: st.id, severity: d.severity, message: d.message, offset: d.offsets?.start ?? null });
  }
}
process.stdout.write(JSON.stringify({ checked: input.statements.length, diagnostics: out }) + '\n');
process.exit(out.some((d) => d.severity === 1) ? 1 : 0);
