/**
 * Parameters as Spin's MySQL sends them (mysql_async values on a prepared statement):
 * every signed integer and a boolean as a signed BIGINT, every unsigned one as an unsigned
 * BIGINT, floats as FLOAT and DOUBLE, text as a string. Binary goes as a BLOB, so the
 * server keeps its bytes instead of reading them in the connection's character set.
 */
import mysql from 'mysql2';
import type { TypedParameterValue } from 'mysql2';
import type { MysqlParam } from './api.js';

const T = mysql.TypedParameter;

export function paramValue(p: MysqlParam): TypedParameterValue {
  switch (p.tag) {
    case 'boolean':
      return T.LONGLONG(p.val ? 1n : 0n);
    case 'int8':
    case 'int16':
    case 'int32':
      return T.LONGLONG(BigInt(p.val));
    case 'int64':
      return T.LONGLONG(p.val);
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return T.LONGLONG.unsigned(BigInt(p.val));
    case 'uint64':
      return T.LONGLONG.unsigned(p.val);
    case 'floating32':
      return T.FLOAT(p.val);
    case 'floating64':
      return T.DOUBLE(p.val);
    case 'str':
      return T.VAR_STRING(p.val);
    case 'binary':
      return T.BLOB(Buffer.from(p.val.buffer, p.val.byteOffset, p.val.byteLength));
    case 'db-null':
      return T.NULL();
  }
}
