import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_INDEXES, TABLE_PARTITION_KEY } from '../../layers/pipeline/adapters/aws/index.js';
import { acknowledgeWildcardResource } from './nag-acknowledgements.js';

export interface ResultsTableProps {
  /**
   * What happens to the table when it leaves the stack; RETAIN also turns deletion protection on.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const ATTRIBUTE_TYPES = { S: AttributeType.STRING, N: AttributeType.NUMBER } as const;

/**
 * The table's construct id, so its CloudFormation logical id. It changed with the sharded indexes: an update may
 * create or delete one index, not swap three, so a stack deployed with the old indexes gets a new, empty table and
 * keeps the old one (retained, unless removalPolicy is destroy); README "Table design" says how to refill it.
 */
const TABLE_ID = 'ShardedTable';

/** The result store's one table: keys and indexes from the schema the DynamoDB adapter reads and writes with. */
export class ResultsTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ResultsTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new Table(this, TABLE_ID, {
      partitionKey: { name: TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    for (const index of Object.values(TABLE_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey.name, type: ATTRIBUTE_TYPES[index.partitionKey.type] },
        sortKey: { name: index.sortKey.name, type: ATTRIBUTE_TYPES[index.sortKey.type] },
        projectionType: ProjectionType[index.projection],
      });
    }
  }

  /** Item reads and writes on the table and its indexes, which the result store's queries use. */
  grantReadWriteData(role: Role): void {
    this.table.grantReadWriteData(role);
    acknowledgeWildcardResource(
      role,
      `${this.table.tableArn}/index/*`,
      `Queries the result table's own indexes (${Object.values(TABLE_INDEXES)
        .map((index) => index.name)
        .join(', ')}).`,
    );
  }
}
