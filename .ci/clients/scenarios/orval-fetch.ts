// orval's custom-fetch mutator: the generated functions call this with a path
// such as `/api/v1/contacts`; it adds the server and the bearer token, and
// reads the body by its Content-Type (JSON, problem+json, or text).
import { baseUrl } from "./common";

let token = "";

export function setToken(value: string): void {
  token = value;
}

export const customFetch = async <T>(url: string, options: RequestInit): Promise<T> => {
  const headers = new Headers(options.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(new URL(url, baseUrl), { ...options, headers });
  const type = response.headers.get("content-type") ?? "";
  const text = [204, 205, 304].includes(response.status) ? "" : await response.text();
  const data = text && /^application\/(.+\+)?json/.test(type) ? JSON.parse(text) : text;
  return { data, status: response.status, headers: response.headers } as T;
};
