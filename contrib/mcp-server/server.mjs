// An MCP server protected by gatehouse (docs/mcp.md).
//
// It speaks MCP over Streamable HTTP with the MCP TypeScript SDK, and it is
// an OAuth 2.0 protected resource the way MCP clients expect:
//   - GET /.well-known/oauth-protected-resource[/PATH] is its RFC 9728
//     metadata: its resource identifier (MCP_URL), gatehouse as its
//     authorization server, the scopes it knows;
//   - a request without a valid token gets 401 with
//     WWW-Authenticate: Bearer ..., resource_metadata="..." (RFC 9728 5.1),
//     from which a client finds gatehouse, registers (RFC 7591) and signs in;
//   - access tokens are gatehouse's RFC 9068 JWTs, checked against its JWKS
//     (fetched and cached by jose), with iss = GATEHOUSE_ISSUER and, per RFC
//     8707, aud = MCP_URL: a token issued for another resource is refused.
//
// Settings (environment):
//   GATEHOUSE_ISSUER  gatehouse's issuer URL (required)
//   MCP_URL           this server's public URL of the MCP endpoint, e.g.
//                     https://mcp.example.com/mcp (required; register it with
//                     `gatehouse resource add --uri MCP_URL --scope ...`)
//   MCP_LISTEN        HOST:PORT to listen on (default 127.0.0.1:8808)
//   MCP_SCOPES        scopes_supported, space-separated (default "mcp:tools")
//   MCP_REQUIRED_SCOPE  a scope every token must carry (default: none)
import http from 'node:http';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const ISSUER = process.env.GATEHOUSE_ISSUER;
const MCP_URL = process.env.MCP_URL;
if (!ISSUER || !MCP_URL) {
  console.error('mcp-server: GATEHOUSE_ISSUER and MCP_URL are required');
  process.exit(2);
}
const LISTEN = process.env.MCP_LISTEN || '127.0.0.1:8808';
const SCOPES = (process.env.MCP_SCOPES || 'mcp:tools').split(' ').filter(Boolean);
const REQUIRED = process.env.MCP_REQUIRED_SCOPE || '';

const mcpUrl = new URL(MCP_URL);
const mcpPath = mcpUrl.pathname.replace(/\/+$/, '');
// RFC 9728 3.1: the well-known segment goes between the host and the path
const PRM_PATH = '/.well-known/oauth-protected-resource' + mcpPath;
const PRM_URL = mcpUrl.origin + PRM_PATH;
const metadata = JSON.stringify({
  resource: MCP_URL,
  authorization_servers: [ISSUER],
  scopes_supported: SCOPES,
  bearer_methods_supported: ['header'],
  resource_name: 'gatehouse MCP example',
});

// gatehouse publishes its keys at ISSUER/jwks (discovery's jwks_uri)
const jwks = createRemoteJWKSet(new URL(ISSUER.replace(/\/+$/, '') + '/jwks'));

function challenge(res, status, error, description) {
  let h = `Bearer resource_metadata="${PRM_URL}"`;
  if (error) h = `Bearer error="${error}", error_description="${description}", resource_metadata="${PRM_URL}"`;
  if (error === 'insufficient_scope') h += `, scope="${REQUIRED}"`;
  res.writeHead(status, { 'WWW-Authenticate': h, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(error ? { error, error_description: description } : { error: 'unauthorized' }));
}

// The verified claims of the request's bearer token, or null after answering.
async function authenticate(req, res) {
  const h = req.headers.authorization || '';
  const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(h);
  if (!m) {
    challenge(res, 401);
    return null;
  }
  try {
    const { payload } = await jwtVerify(m[1], jwks, {
      issuer: ISSUER,
      audience: MCP_URL, // RFC 8707: a token for this server, not another
      typ: 'at+jwt', // RFC 9068
      algorithms: ['ES256', 'EdDSA', 'RS256'],
    });
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (REQUIRED && !scopes.includes(REQUIRED)) {
      challenge(res, 403, 'insufficient_scope', 'the token lacks the required scope');
      return null;
    }
    return { token: m[1], clientId: String(payload.client_id || ''), scopes, expiresAt: payload.exp, extra: { sub: payload.sub, aud: payload.aud } };
  } catch (e) {
    challenge(res, 401, 'invalid_token', String(e.code || e.message).replace(/"/g, "'"));
    return null;
  }
}

// One MCP server per request (stateless Streamable HTTP): its tools see
// the caller through the verified token.
function mcpServer() {
  const server = new McpServer({ name: 'gatehouse-mcp-example', version: '1.0.0' });
  server.registerTool('whoami', {
    title: 'Who am I',
    description: 'The user and client the access token was issued to, and its audience',
  }, async (extra) => {
    const info = extra.authInfo || {};
    const who = { sub: info.extra?.sub, client_id: info.clientId, scope: (info.scopes || []).join(' '), aud: info.extra?.aud };
    return { content: [{ type: 'text', text: JSON.stringify(who) }] };
  });
  return server;
}

async function handle(req, res) {
  const path = new URL(req.url, 'http://x').pathname;
  if (req.method === 'GET' && (path === PRM_PATH || path === '/.well-known/oauth-protected-resource')) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
    res.end(metadata);
    return;
  }
  if (path !== (mcpPath || '/')) {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"error":"not_found"}');
    return;
  }
  const auth = await authenticate(req, res);
  if (auth === null) return;
  req.auth = auth; // the SDK hands it to tools as extra.authInfo
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

const [host, port] = [LISTEN.slice(0, LISTEN.lastIndexOf(':')), Number(LISTEN.slice(LISTEN.lastIndexOf(':') + 1))];
http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error('mcp-server:', e);
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end('{"error":"server_error"}');
  });
}).listen(port, host, () => {
  console.log(`mcp-server: ${MCP_URL} (metadata ${PRM_URL}), tokens from ${ISSUER}`);
});
