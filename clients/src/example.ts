// A typed client for the registry API: openapi-fetch checks paths, parameters and response
// fields against src/registry.d.ts, which openapi-typescript generates from /openapi.json
// (`npm run generate`). tests/test_typescript_client.py compiles this file with tsc.
import createClient from "openapi-fetch";
import type { components, paths } from "./registry";

type Program = components["schemas"]["ProgramRead"];
type Problem = components["schemas"]["Problem"];

// The media types to read: lists can also answer text/csv and NDJSON exports, and errors
// come as application/problem+json.
type Json = "application/json" | "application/problem+json";
const client = createClient<paths, Json>({ baseUrl: "http://127.0.0.1:8000" });

function fail(problem: Problem): never {
  // `invalid-params` names each bad parameter of a 422.
  const params = (problem["invalid-params"] ?? []).map((p) => p.name).join(", ");
  throw new Error(`${problem.status} ${problem.title}: ${problem.detail ?? ""} ${params}`);
}

/** Programs for left-behind or migrant children in schools, labelled in Chinese. */
export async function schoolProgramsForLeftBehindOrMigrant(): Promise<string[]> {
  const { data, error } = await client.GET("/api/v1/programs", {
    params: {
      query: {
        target_group: ["left_behind", "migrant"],
        setting: ["school"],
        limit: 20,
        lang: "zh",
      },
    },
  });
  if (error) fail(error);
  // List items may be trimmed with `fields`, so every field but `id` is optional.
  const names = data.items.map((p) => {
    const year: number | null | undefined = p.established_year;
    const type = p.intervention_type?.label ?? "—";
    const organization = p.organization?.name_zh ?? p.organization?.name_en ?? "?";
    return `${p.name_zh ?? p.name_en} (${organization}, ${type}, ${year ?? "?"})`;
  });
  console.log(`${data.total ?? "?"} programs; next page: ${data.next ?? "none"}`);
  return names;
}

/** One program with its organization, partners and provenance. */
export async function programDetail(slug: string): Promise<Program> {
  const { data, error } = await client.GET("/api/v1/programs/{ref}", {
    params: { path: { ref: slug } },
  });
  if (error) fail(error);
  const partners = data.partners.map((p) => `${p.organization.name_en} (${p.role.label})`);
  const notes = data.provenance.data_quality.map((n) => `${n.issue}: ${n.note}`);
  console.log(data.organization.slug, data.provenance.source?.key, partners, notes);
  return data;
}

/** Facet counts for the target-group filter, under a province filter. */
export async function targetGroupCounts(province: "CN-GD" | "CN-BJ"): Promise<Map<string, number>> {
  const { data, error } = await client.GET("/api/v1/programs/facets", {
    params: { query: { facet: ["target_group"], province: [province] } },
  });
  if (error) fail(error);
  return new Map((data.facets.target_group ?? []).map((v) => [String(v.value), v.count]));
}
