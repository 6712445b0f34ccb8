// IRIs of the tax ontology (ontology/tax.ttl) and of the data the ETL writes.
export const TAX = 'https://w3id.org/kr-tax/ontology#';
export const DATA = 'https://w3id.org/kr-tax/data/';
export const XSD = 'http://www.w3.org/2001/XMLSchema#';
export const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
export const RDFS_LABEL = 'http://www.w3.org/2000/01/rdf-schema#label';

export const tax = (local: string): string => `${TAX}${local}`;
