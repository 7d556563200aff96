package spec

import "slices"

// Call names a CMDB call the contract describes.
type Call string

// The calls, by the names ESB and the API gateway give them.
const (
	CallCreateSet             Call = "create_set"
	CallSearchSet             Call = "search_set"
	CallUpdateSet             Call = "update_set"
	CallDeleteSet             Call = "delete_set"
	CallBatchDeleteSet        Call = "batch_delete_set"
	CallSearchObjectAttribute Call = "search_object_attribute"
	CallGetMainlineObjectTopo Call = "get_mainline_object_topo"
	CallSearchBizInstTopo     Call = "search_biz_inst_topo"
	CallCreateModule          Call = "create_module"
	CallUpdateModule          Call = "update_module"
	CallDeleteModule          Call = "delete_module"
	CallSearchModule          Call = "search_module"
	CallFindModuleBatch       Call = "find_module_batch"
	CallGetBizInternalModule  Call = "get_biz_internal_module"
	CallSearchBusiness        Call = "search_business"
	CallFindSetBatch          Call = "find_set_batch"
	CallFindTopoNodePaths     Call = "find_topo_node_paths"
	CallCreateInst            Call = "create_inst"
	CallDeleteInst            Call = "delete_inst"
)

// callerSteps are the checks of the caller that every call makes first, on either surface:
// ESB's of its body and credentials (E1-E8), the API gateway's, and the API server's of the
// gateway's JWT (reference §2.2, §3).
var callerSteps = []StepID{
	StepESBAuthHeader, StepESBJSON, StepESBAuthShape, StepESBAppSecret, StepESBAppCode, StepESBAppUnknown,
	StepESBAppSecretOK, StepESBToken, StepESBUser,
	StepGatewayAuth, StepGatewayLimit, StepJWTUser,
}

// operations are the checks of each call after the caller's, in the order the real system
// makes them: ESB's form, then IAM (C1, C2), then the topo server and the core service. The
// first that fails is the one reported.
var operations = map[Call][]StepID{
	// Reference §4.
	CallCreateSet: {
		StepESBBizRequired, StepESBBizWhole, StepESBData, StepESBDataDict,
		StepIAMPath, StepPermission, StepJSON, StepBizPath, StepNullBody, StepDefault, StepTemplateID, StepTemplate,
		StepMainline, StepBusiness, StepRequired, StepNameString, StepNameEmpty, StepNameLength, StepNameChars,
		StepParent, StepAttributes, StepDuplicate,
	},
	// Reference §9: reads of a business need no IAM permission.
	CallSearchSet:         {StepESBBizRequired, StepESBBizWhole, StepESBFormTypes, StepIAMPath, StepJSON, StepBizPath, StepSetSearchShape, StepSetFilter, StepTimeCondition},
	CallSearchBizInstTopo: {StepESBBizRequired, StepESBBizWhole, StepIAMPath, StepJSON, StepBizPath},
	// update_set's fields come in ESB's data, as create_set's, and are checked as a create
	// checks them once the set is found.
	CallUpdateSet: {
		StepESBBizRequired, StepESBBizWhole, StepESBSetRequired, StepESBSetWhole, StepESBData, StepESBDataDict,
		StepIAMPath, StepPermission, StepJSON, StepBizPath, StepNullBody, StepSetPath, StepBuiltInSet, StepSetFound, StepSetFixedFields,
		StepNameString, StepNameEmpty, StepNameLength, StepNameChars, StepAttributes,
	},
	CallDeleteSet: {
		StepESBBizRequired, StepESBBizWhole, StepESBSetRequired, StepESBSetWhole,
		StepIAMPath, StepPermission, StepJSON, StepBizPath, StepSetPath,
	},
	CallBatchDeleteSet:        {StepESBBizRequired, StepESBBizWhole, StepIAMPath, StepPermission, StepJSON, StepBizPath},
	CallSearchObjectAttribute: {StepJSON},
	CallGetMainlineObjectTopo: {StepJSON},

	// Reference §11.3.
	CallCreateModule: {
		StepESBBizRequired, StepESBBizWhole, StepESBSetRequired, StepESBSetWhole, StepESBData, StepESBDataDict,
		StepIAMPath, StepPermission, StepJSON, StepBizPath, StepSetPath, StepModuleSet, StepSetTemplateMade,
		StepModuleDefault, StepModuleSetBiz, StepCategoryID, StepServiceTemplateID, StepServiceTemplate, StepCategory,
		StepModuleParent, StepModuleDefaultKey, StepModuleParentGiven, StepBusiness, StepRequired,
		StepNameString, StepNameEmpty, StepNameLength, StepNameChars, StepAttributes, StepModuleDuplicate,
	},
	// Reference §11.7. update_module reads no set template of the set (no M5).
	CallUpdateModule: {
		StepESBBizRequired, StepESBBizWhole, StepESBSetRequired, StepESBSetWhole, StepESBModuleRequired,
		StepESBModuleWhole, StepESBDataOptional,
		StepIAMPath, StepPermission, StepJSON, StepBizPath, StepSetPath, StepModulePath, StepBuiltInModule,
		StepModuleFound, StepTemplateFields, StepNameString, StepNameEmpty, StepNameLength, StepNameChars,
		StepAttributes, StepModuleDuplicate,
	},
	// Reference §11.7: the set is looked up before the module id is read.
	CallDeleteModule: {
		StepESBBizRequired, StepESBBizWhole, StepESBSetRequired, StepESBSetWhole, StepESBModuleRequired,
		StepESBModuleWhole,
		StepIAMPath, StepPermission, StepBizPath, StepSetPath, StepModuleSet, StepSetTemplateMade, StepModulePath,
		StepBuiltInModule,
	},
	// Reference §11.8: reads, which IAM skips.
	CallSearchModule: {
		StepESBBizRequired, StepESBBizWhole, StepESBSetWhole, StepESBFormTypes,
		StepIAMPath, StepJSON, StepSearchShape, StepBizPath, StepSetPath,
	},
	CallFindModuleBatch:      {StepESBPathParam, StepIAMPath, StepJSON, StepBatchShape, StepBatchIDs, StepBatchFields, StepBatchBizPath},
	CallGetBizInternalModule: {StepESBPathParam, StepIAMPath, StepInternalBizPath},
	// Reference §12.2: IAM filters the businesses rather than refusing the call.
	CallSearchBusiness: {StepESBFormTypes, StepJSON, StepBizSearchShape, StepBizFilterBoth, StepBizIDCondition, StepBizPropertyFilter, StepTimeCondition},
	// Reference §12.3, §12.4: ESB's generic components; IAM skips both.
	CallFindSetBatch:      {StepESBPathParam, StepIAMPath, StepJSON, StepBatchShape, StepBatchIDs, StepBatchFields, StepSetBatchBizPath},
	CallFindTopoNodePaths: {StepESBPathParam, StepNodePathBiz, StepNodePathBody, StepNodePathNodes, StepNodePathOwner, StepNodePathBusiness},
	// Reference §12.5: a node of a custom mainline level, through the generic instance API. IAM
	// asks about the body's business.
	CallCreateInst: {
		StepESBPathParam, StepInstIAM, StepPermission, StepJSON, StepInstBuiltIn, StepInstModel, StepInstParent,
		StepBusiness, StepRequired, StepNameString, StepNameEmpty, StepNameLength, StepNameChars, StepParent,
		StepAttributes, StepInstDuplicate,
	},
	CallDeleteInst: {StepESBPathParam, StepInstIAM, StepPermission, StepInstBuiltIn, StepInstIDPath},
}

// CallSteps returns the checks a call makes, the caller's first, in the order the real system
// makes them.
func CallSteps(op Call) []Step {
	ids, ok := operations[op]
	if !ok {
		return nil
	}
	out := make([]Step, 0, len(callerSteps)+len(ids))
	for _, id := range slices.Concat(callerSteps, ids) {
		st, _ := LookupStep(id)
		out = append(out, st)
	}
	return out
}

// Calls returns the calls the contract describes, in the order of their constants.
func Calls() []Call {
	return []Call{
		CallCreateSet, CallSearchSet, CallUpdateSet, CallDeleteSet, CallBatchDeleteSet, CallSearchObjectAttribute,
		CallGetMainlineObjectTopo, CallSearchBizInstTopo, CallCreateModule, CallUpdateModule, CallDeleteModule,
		CallSearchModule, CallFindModuleBatch, CallGetBizInternalModule, CallSearchBusiness, CallFindSetBatch, CallFindTopoNodePaths,
		CallCreateInst, CallDeleteInst,
	}
}
