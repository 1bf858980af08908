// The result table's key schema and indexes, for infra/ (the adapter in layers/ owns the definition).
export { TABLE_INDEXES, TABLE_PARTITION_KEY, VIDEO_ENTITY, createTableInput } from '../../layers/pipeline/adapters/aws/table-schema.js';
