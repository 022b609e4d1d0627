// Calls the generated types must reject. tests/test_typescript_client.py compiles this folder
// and expects exactly the errors marked `expect TSnnnn`, each on its own line, and no others:
// if the types were `any` or a parameter lost its enum, the check would fail.
import createClient from "openapi-fetch";
import type { paths } from "../src/registry";

type Json = "application/json" | "application/problem+json";
const client = createClient<paths, Json>({ baseUrl: "http://127.0.0.1:8000" });

export async function wrongUsage(): Promise<void> {
  await client.GET("/api/v1/programs", { params: { query: { provnce: ["CN-GD"] } } }); // expect TS2561
  await client.GET("/api/v1/programs", { params: { query: { target_group: ["martians"] } } }); // expect TS2322
  await client.GET("/api/v1/programs", { params: { query: { limit: "ten" } } }); // expect TS2322
  await client.GET("/api/v1/programs/{ref}", { params: { query: { lang: "fr" } } }); // expect TS2322
  await client.GET("/api/v1/no-such-path", {}); // expect TS2345
  const { data } = await client.GET("/api/v1/programs/{ref}", { params: { path: { ref: "lianai-huxin" } } });
  if (data) {
    const year: string = data.established_year; // expect TS2322
    const website: string = data.organization.website; // expect TS2339
    console.log(year, website);
  }
}
