import { Stack } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { fileURLToPath } from 'node:url';

/** The parts of `backend.data.resources` this needs. */
export interface DataResolvers {
  cfnResources: {
    cfnResolvers: Record<string, appsync.CfnResolver>;
    cfnDataSources: Record<string, appsync.CfnDataSource>;
    cfnFunctionConfigurations: Record<string, appsync.CfnFunctionConfiguration>;
  };
}

export const POST_STATUS_DEFAULT_FUNCTION = 'MutationcreatePostdefaultStatus0Function';

const template = (name: string) => fileURLToPath(new URL(`./resolvers/${name}`, import.meta.url));

/**
 * New posts start PENDING. `@aws-amplify/data-schema` offers `.default()` on scalar fields only, so
 * the default is added to the generated `createPost` pipeline as one extra function, right after
 * the generated `init` step, doing exactly what the transformer's `@default` would do. Stored as
 * S3 template assets like every generated function, so tools that read the assembly see one shape.
 */
export function defaultPostStatusToPending(data: DataResolvers): appsync.CfnFunctionConfiguration {
  const { cfnResolvers, cfnDataSources, cfnFunctionConfigurations } = data.cfnResources;
  const resolver = cfnResolvers['Mutation.createPost'];
  const noneDataSource = cfnDataSources['NONE_DS'];
  const init = cfnFunctionConfigurations['MutationcreatePostinit0Function'];
  const pipeline = (resolver?.pipelineConfig ?? {}) as appsync.CfnResolver.PipelineConfigProperty;
  const functions = pipeline.functions ?? [];
  const initAt = init ? functions.indexOf(init.attrFunctionId) : -1;
  if (!resolver || !noneDataSource || initAt < 0) {
    throw new Error('The generated createPost pipeline is not the expected init → … → data shape; see post_status_default.ts');
  }
  const scope = Stack.of(resolver);
  const fn = new appsync.CfnFunctionConfiguration(scope, POST_STATUS_DEFAULT_FUNCTION, {
    apiId: resolver.apiId,
    name: POST_STATUS_DEFAULT_FUNCTION,
    dataSourceName: noneDataSource.attrName,
    functionVersion: '2018-05-29',
    requestMappingTemplateS3Location: new Asset(scope, 'PostStatusDefaultRequest', {
      path: template('post-status-default.req.vtl'),
    }).s3ObjectUrl,
    responseMappingTemplateS3Location: new Asset(scope, 'PostStatusDefaultResponse', {
      path: template('post-status-default.res.vtl'),
    }).s3ObjectUrl,
  });
  resolver.pipelineConfig = {
    functions: [...functions.slice(0, initAt + 1), fn.attrFunctionId, ...functions.slice(initAt + 1)],
  };
  return fn;
}
