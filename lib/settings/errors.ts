/** An `HF_ENDPOINT` (or `endpoint` setting) that is not an http(s) URL. */
export class InvalidHubEndpointError extends Error {
  constructor(readonly endpoint: string) {
    super(
      `invalid hub endpoint ${JSON.stringify(endpoint)}: expected an http(s) URL such as ` +
        '"https://huggingface.co" or "http://127.0.0.1:8080"; fix HF_ENDPOINT',
    );
    this.name = new.target.name;
  }
}
