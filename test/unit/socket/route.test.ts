import { describe, expect, it } from 'vitest';
import { decodeTargetPath, isCleanPath, isQuietBuild, routeOf } from '../../../src/socket/route.js';

describe('routeOf: requests routed as dockerd routes them (Go url.ParseRequestURI + gorilla/mux on the decoded path)', () => {
  it.each([
    ['/containers/create', 'containers'],
    ['/v1.41/containers/create?name=web', 'containers'],
    // /v{version:[0-9.]+}: a trailing dot, dots only, more parts (the attack report's S2.2)
    ['/v1.41./containers/create', 'containers'],
    ['/v./containers/create', 'containers'],
    ['/v1.2.3.4/networks/create', 'networks'],
    // the router matches the decoded path (S2.3)
    ['/v1.41/containers/%63reate?name=atk-pct', 'containers'],
    ['/v1.41/networks/%63reate', 'networks'],
    ['/v1.41/volumes/%63reate', 'volumes'],
    ['/%76%31%2e%34%31/%63%6F%6E%74%61%69%6E%65%72%73/%63%72%65%61%74%65', 'containers'],
    ['/volumes/create?x=%2F', 'volumes'],
  ])('POST %s is a %s create', (target, object) => {
    expect(routeOf('POST', target)).toEqual({ kind: 'create', object });
  });

  it.each([
    ['/build?t=a&labels=%7B%7D', 'build'],
    ['/v1.41./b%75ild', 'build'],
    ['/v1.41/containers/web/start', 'start'],
    ['/containers/a/b/start', 'start'],
    ['/v1.41/containers/web/attach?stream=1', 'takeover'],
    ['/containers/web/att%61ch', 'takeover'],
    ['/v1.41/exec/abc/start', 'takeover'],
    ['/session', 'takeover'],
    ['/v1.41/grpc', 'takeover'],
    ['/v1.41/containers/web/logs', 'other'],
    ['/containers/create/x', 'other'],
    ['/x/containers/create', 'other'],
    ['/vx/containers/create', 'other'],
    ['/v1.41/v1.40/containers/create', 'other'],
    ['/v1.41/build/prune', 'other'],
    ['/images/create?fromImage=busybox', 'other'],
    ['/images/create?fromImage=busybox&fromSrc=-', 'other'],
    ['/v1.41/commit?container=web', 'changes'],
    ['/v1.41./c%6Fmmit', 'changes'],
    // an import: no fromImage, or an empty first one (dockerd reads the first value)
    ['/v1.41/images/create?fromSrc=-&repo=x', 'changes'],
    ['/images/create?fromImage=&fromImage=busybox&fromSrc=-', 'changes'],
    ['/images/%63reate?fromSrc=-', 'changes'],
    ['/containers/create/', 'other'],
    ['/containers/create%0A', 'other'],
  ])('POST %s is %s', (target, kind) => {
    expect(routeOf('POST', target).kind).toBe(kind);
  });

  it('methods match exactly, as mux does: only POST creates; GET reaches the attach websocket', () => {
    expect(routeOf('post', '/containers/create')).toEqual({ kind: 'other' });
    expect(routeOf('PUT', '/containers/create')).toEqual({ kind: 'other' });
    expect(routeOf('GET', '/containers/create')).toEqual({ kind: 'other' });
    expect(routeOf('GET', '/v1.41/containers/web/attach/ws?stream=1')).toEqual({ kind: 'takeover' });
    expect(routeOf('GET', '/v1.41/containers/web/logs?follow=1')).toEqual({ kind: 'other' });
    expect(routeOf('POST', '/v1.41/containers/web/attach/ws')).toEqual({ kind: 'other' });
  });

  it.each([
    // ambiguous for a POST: what would be routed depends on who decodes and cleans
    ['/v1.41/containers%2Fcreate', /encoded slash/],
    ['/v1.41%2fcontainers/create', /encoded slash/],
    ['/v1.41//containers/create', /clean/],
    ['//containers/create', /clean/],
    ['/v1.41/x/../containers/create', /clean/],
    ['/v1.41/./containers/create', /clean/],
    ['/v1.41/containers/%2e%2e/containers/create', /clean/],
    // refused by Go too
    ['/containers/%zzcreate', /invalid percent-escape/],
    ['/containers/create%', /invalid percent-escape/],
    ['/containers/create%4', /invalid percent-escape/],
  ])('POST %s is refused', (target, message) => {
    const route = routeOf('POST', target);
    expect(route.kind).toBe('refused');
    if (route.kind === 'refused') expect(route.message).toMatch(message);
  });

  it('other methods pass an unclean or slash-encoded path through (the router redirects it; nothing is created), not an invalid escape', () => {
    expect(routeOf('GET', '/v1.41//containers/json')).toEqual({ kind: 'other' });
    expect(routeOf('DELETE', '/v1.41/containers/a%2Fb')).toEqual({ kind: 'other' });
    expect(routeOf('GET', '/v1.41/containers/a/../b/attach/ws')).toEqual({ kind: 'other' });
    expect(routeOf('GET', '/_ping%')).toMatchObject({ kind: 'refused' });
  });
});

describe('decodeTargetPath and isCleanPath', () => {
  it('decodes byte by byte before the first ?, + kept, and says when a slash was encoded', () => {
    expect(decodeTargetPath('/a%20b+c?d=%zz')).toEqual({ ok: true, path: '/a b+c', encodedSlash: false });
    expect(decodeTargetPath('/a%2fb')).toEqual({ ok: true, path: '/a/b', encodedSlash: true });
    expect(decodeTargetPath('/%C3%A9')).toEqual({ ok: true, path: '/\u00c3\u00a9', encodedSlash: false });
    expect(decodeTargetPath('/a\tb')).toMatchObject({ ok: false });
  });

  it('refuses a control byte anywhere in the target, query included, and nothing else for it', () => {
    for (let byte = 0; byte < 0x100; byte++) {
      const c = String.fromCharCode(byte);
      const control = byte < 0x20 || byte === 0x7f;
      // (a % in the path starts an escape: invalid here for its own reason)
      if (c !== '%') expect(decodeTargetPath(`/a${c}b?q=1`).ok, `byte ${byte}`).toBe(!control);
      expect(decodeTargetPath(`/ab?q=${c}`).ok, `byte ${byte} in the query`).toBe(!control);
    }
  });

  it('is clean when path.Clean would not change it (a trailing slash kept, as mux keeps it)', () => {
    for (const path of ['/', '/a', '/a/', '/a/b.c', '/v1.41./x', '/a/..b']) expect(isCleanPath(path), path).toBe(true);
    for (const path of ['', 'a', '//', '/a//b', '/a/.', '/a/./b', '/a/..', '/a/../b', '/.']) expect(isCleanPath(path), path).toBe(false);
  });

  it('answers as a split into segments does, for every path of up to six of "/", "." and "a"', () => {
    const bySegments = (path: string) => {
      if (!path.startsWith('/')) return false;
      const segments = path.slice(1).split('/');
      return segments.every((segment, index) => segment !== '.' && segment !== '..' && (segment !== '' || index === segments.length - 1));
    };
    let paths = [''];
    for (let length = 1; length <= 6; length++) {
      paths = paths.flatMap((path) => ['/', '.', 'a'].map((c) => path + c));
      for (const path of paths) expect(isCleanPath(path), path).toBe(bySegments(path));
    }
  });
});

describe('isQuietBuild: q as dockerd reads it (httputils.BoolValue on the first value)', () => {
  it.each([
    ['/v1.41/build?q=1', true],
    ['/v1.41/build?t=x&q=true', true],
    ['/v1.41/build?q=%20YES%20', true],
    ['/v1.41/build?q=1&q=0', true],
    ['/v1.41/build', false],
    ['/v1.41/build?q=', false],
    ['/v1.41/build?q=0', false],
    ['/v1.41/build?q=False', false],
    ['/v1.41/build?q=none&q=1', false],
    ['/v1.41/build?q=+no+', false],
    ['/v1.41/build?quiet=1', false],
    // Not decodable: counted as quiet (the socket takes more care, never less).
    ['/v1.41/build?t=%zz&q=0', true],
  ])('%s: %s', (target, quiet) => expect(isQuietBuild(target)).toBe(quiet));
});
